#!/bin/bash
# dlopt-entrypoint: started by tini as the course image's entrypoint, as root; runs the command
# (the lab by default) as the owner of the notebooks folder, never as root.
#
# A folder mounted over notebooks/ belongs to the host user, whose UID the image cannot know
# when it is built. Files the lab saves must belong to that user (else the student's own work
# is locked on the host), so the lab runs with the folder owner's UID and GID, with the image
# user's group added: the image's caches and Jupyter's state under /home/student are made
# group-writable (directories only, a metadata change) so that this UID can use them. Without
# a mount, or with a folder owned by root, the lab runs as the image user `student`.
#
# Started as any other user (docker run --user, podman --userns=keep-id), it changes nothing.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  exec "$@"
fi
home=/home/student
notebooks=$home/dlopt/notebooks
student_uid=$(id -u student)
student_gid=$(id -g student)
uid=$(stat -c %u "$notebooks")
gid=$(stat -c %g "$notebooks")
if [ "$uid" = 0 ]; then
  uid=$student_uid gid=$student_gid # a root-owned folder: still never run the lab as root
  setpriv --reuid="$uid" --regid="$gid" --clear-groups test -w "$notebooks" ||
    echo "dlopt-entrypoint: $notebooks belongs to root and student (uid $uid) cannot write there:" \
      "notebooks will not save; mount a folder owned by your user instead" >&2
fi
if [ "$uid" != "$student_uid" ]; then
  # A name for the UID (Jupyter and Go look it up), sharing the image user's home.
  getent passwd "$uid" >/dev/null ||
    useradd --no-create-home --home-dir "$home" --uid "$uid" --gid "$student_gid" --shell /bin/bash student-host
  find "$home" -xdev -type d -perm -u+w ! -perm -g+w -exec chmod g+w {} +
  # Go rewrites these once a day (cache trimming); a failure would fail every cell's build.
  find "$home/.cache/go-build" -maxdepth 1 -type f -exec chmod g+w {} + 2>/dev/null || true
fi
user=$(getent passwd "$uid" | cut -d: -f1)
# umask 002: what this UID creates in the shared folders stays usable by the image user.
umask 002
exec setpriv --reuid="$uid" --regid="$gid" --groups="$student_gid" --inh-caps=-all \
  env HOME="$home" USER="$user" LOGNAME="$user" "$@"
