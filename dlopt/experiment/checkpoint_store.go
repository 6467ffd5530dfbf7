package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A checkpoint is one directory under Checkpointing.Dir, named ckpt-SEQ-step-STEP (SEQ counts
// the checkpoints written into Dir, so the latest is the highest even after a resume from an
// older one), holding:
//   - GoMLX's checkpoint of the store (checkpoint-*.json and checkpoint-*.bin): the model's
//     variables, the optimizer's state and hyperparameters, the global step, the RNG state;
//   - state.json: what GoMLX's checkpoint cannot hold, see [Checkpoint];
//   - manifest.json: size and SHA-256 of each of the three, so a truncated or corrupt file is
//     detected before anything is loaded.
//
// It is written into a temporary directory beside it, every file fsynced, then renamed into
// place: a crash or a second Ctrl-C leaves either the whole checkpoint or none.
const (
	stateFile        = "state.json"
	manifestFile     = "manifest.json"
	checkpointFormat = "dlopt-experiment-checkpoint"
	// checkpointVersion 2: variables saved by GoMLX v0.28's checkpoint package. Version 1 was
	// written by dlopt on GoMLX v0.26.0 (another variable naming and layout): refused, by name.
	checkpointVersion  = 2
	checkpointGoMLX    = "GoMLX v0.28.16"
	stagingDirName     = ".gomlx-staging" // where GoMLX's handler writes before the files move into a checkpoint
	tempCheckpointGlob = ".tmp-ckpt-*"
)

// CheckpointsKept is the number of checkpoints kept in Checkpointing.Dir: the latest and the
// one before, which stays usable if the latest is damaged.
const CheckpointsKept = 2

var checkpointNameRE = regexp.MustCompile(`^ckpt-(\d{6,})-step-(\d{8,})$`)

func checkpointName(seq, step int) string { return fmt.Sprintf("ckpt-%06d-step-%08d", seq, step) }

// ErrCheckpoint is wrapped by every error about reading, verifying or writing a checkpoint.
var ErrCheckpoint = errors.New("checkpoint")

// DamagedCheckpointError reports a checkpoint that fails verification (a file missing,
// truncated or changed since it was written). Previous is the newest older checkpoint that
// verifies, empty if there is none: resume from it with Checkpointing.From.
type DamagedCheckpointError struct {
	Path     string
	Err      error
	Previous string
}

func (e *DamagedCheckpointError) Error() string {
	msg := fmt.Sprintf("checkpoint %s is damaged, refusing to resume from it: %v", e.Path, e.Err)
	if e.Previous == "" {
		return msg + "; there is no earlier intact checkpoint"
	}
	return msg + "; the previous checkpoint " + e.Previous + " is intact: resume from it (Checkpointing.From)"
}

func (e *DamagedCheckpointError) Unwrap() []error { return []error{ErrCheckpoint, e.Err} }

// Checkpoint is the state of a run at a checkpoint beyond GoMLX's variables, as saved in its
// state.json; [ReadCheckpoint] returns it and [Checkpoint.Variables] reads the variables.
//
// A checkpoint is a directory DIR/ckpt-SEQ-step-STEP holding GoMLX's checkpoint of the store
// (checkpoint-*.json and .bin: the model's variables, the optimizer's state and
// hyperparameters, the global step, the RNG state), state.json, and manifest.json with the size
// and SHA-256 of the three.
type Checkpoint struct {
	// Format and Version identify state.json: "dlopt-experiment-checkpoint", 2 (1 was the GoMLX
	// v0.26.0 build's, refused by [ReadCheckpoint]).
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Path is the checkpoint's directory (not saved: where it was read from).
	Path string `json:"-"`
	// Config is the run's configuration, defaults filled in (without Checkpoint).
	Config Config `json:"config"`
	// Step is the number of training steps done (GoMLX's global step); Epochs the number of
	// epochs done and evaluated; Batch the number of batches of the next epoch already trained.
	Step   int `json:"step"`
	Epochs int `json:"epochs"`
	Batch  int `json:"batch"`
	// StepsPerEpoch is checked on resume against the data given.
	StepsPerEpoch int `json:"steps_per_epoch"`
	// EpochLoss is the loss accumulated over the Batch batches of the unfinished epoch, and
	// EpochSeconds their wall time.
	EpochLoss struct {
		Sum      float64 `json:"sum"`      // of batch loss x batch size
		Examples int     `json:"examples"` // training examples seen
		Steps    int     `json:"steps"`    // = Batch
	} `json:"epoch_loss"`
	EpochSeconds float64 `json:"epoch_seconds"`
	// History and Steps are the metrics so far, as in [Result].
	History []EpochMetrics `json:"history"`
	Steps   []StepMetrics  `json:"steps"`
	// Trainable names the model's trainable variables (GoMLX variable paths, in the
	// store's order): GoMLX's checkpoint does not record which variables are trainable.
	Trainable []string `json:"trainable"`
}

// manifest lists the files of a checkpoint with their size and SHA-256.
type manifest struct {
	Format  string              `json:"format"`
	Version int                 `json:"version"`
	Files   map[string]fileHash `json:"files"`
}

type fileHash struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// listCheckpoints returns the checkpoint directories in dir, oldest (lowest sequence) first,
// and the highest sequence number (0 if none).
func listCheckpoints(dir string) (paths []string, maxSeq int, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%w: listing %s: %v", ErrCheckpoint, dir, err)
	}
	type entry struct {
		seq  int
		path string
	}
	var found []entry
	for _, e := range entries {
		m := checkpointNameRE.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		seq, _ := strconv.Atoi(m[1])
		found = append(found, entry{seq, filepath.Join(dir, e.Name())})
		maxSeq = max(maxSeq, seq)
	}
	slices.SortFunc(found, func(a, b entry) int { return a.seq - b.seq })
	for _, e := range found {
		paths = append(paths, e.path)
	}
	return paths, maxSeq, nil
}

// LatestCheckpoint returns the path of the newest checkpoint in dir (a Checkpointing.Dir), or
// "" if there is none. It does not verify it: [ReadCheckpoint] does.
func LatestCheckpoint(dir string) (string, error) {
	paths, _, err := listCheckpoints(dir)
	if err != nil || len(paths) == 0 {
		return "", err
	}
	return paths[len(paths)-1], nil
}

// ReadCheckpoint verifies the checkpoint at path (every file present, with the size and
// SHA-256 of its manifest) and returns its state. A damaged checkpoint gives a
// *[DamagedCheckpointError] naming the newest older one that verifies.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	ck, err := readCheckpoint(path)
	if err == nil {
		return ck, nil
	}
	var damaged *DamagedCheckpointError
	if errors.As(err, &damaged) {
		damaged.Previous = previousIntact(path)
	}
	return nil, err
}

func readCheckpoint(path string) (*Checkpoint, error) {
	if info, err := os.Stat(path); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a checkpoint directory (want DIR/ckpt-SEQ-step-STEP): %v", ErrCheckpoint, path, errOrNotDir(err))
	}
	if _, err := verifyCheckpoint(path); err != nil {
		return nil, &DamagedCheckpointError{Path: path, Err: err}
	}
	raw, err := os.ReadFile(filepath.Join(path, stateFile))
	if err != nil {
		return nil, &DamagedCheckpointError{Path: path, Err: err}
	}
	ck := &Checkpoint{}
	if err := json.Unmarshal(raw, ck); err != nil {
		return nil, &DamagedCheckpointError{Path: path, Err: fmt.Errorf("%s: %v", stateFile, err)}
	}
	if ck.Format == checkpointFormat && ck.Version == 1 {
		return nil, fmt.Errorf("%w: %s was written by dlopt on GoMLX v0.26.0 (checkpoint version 1); this dlopt is built on %s "+
			"(version %d) and cannot read its variables: start a new run, or resume it with the dlopt release built on GoMLX v0.26.0",
			ErrCheckpoint, path, checkpointGoMLX, checkpointVersion)
	}
	if ck.Format != checkpointFormat || ck.Version != checkpointVersion {
		return nil, fmt.Errorf("%w: %s has format %q version %d; this dlopt reads %q version %d",
			ErrCheckpoint, path, ck.Format, ck.Version, checkpointFormat, checkpointVersion)
	}
	ck.Path = path
	return ck, nil
}

func errOrNotDir(err error) error {
	if err == nil {
		return errors.New("not a directory")
	}
	return err
}

// previousIntact returns the newest checkpoint beside path, older than it, that verifies.
func previousIntact(path string) string {
	paths, _, err := listCheckpoints(filepath.Dir(path))
	if err != nil {
		return ""
	}
	i := slices.Index(paths, filepath.Clean(path))
	if i < 0 {
		i = len(paths)
	}
	for j := i - 1; j >= 0; j-- {
		if _, err := verifyCheckpoint(paths[j]); err == nil {
			return paths[j]
		}
	}
	return ""
}

// verifyCheckpoint checks the files of a checkpoint against its manifest and returns the base
// name of its GoMLX checkpoint (checkpoint-*).
func verifyCheckpoint(path string) (gomlxBase string, err error) {
	mPath := filepath.Join(path, manifestFile)
	raw, err := os.ReadFile(mPath)
	if err != nil {
		return "", err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != checkpointFormat {
		return "", fmt.Errorf("%s is not a checkpoint manifest (truncated or corrupt): %v", mPath, err)
	}
	if _, ok := m.Files[stateFile]; !ok {
		return "", fmt.Errorf("%s does not list %s", mPath, stateFile)
	}
	for name, want := range m.Files {
		if strings.HasPrefix(name, "checkpoint-") && strings.HasSuffix(name, ".json") {
			gomlxBase = strings.TrimSuffix(name, ".json")
		}
		if name != filepath.Base(name) {
			return "", fmt.Errorf("%s lists %q, which is not a file name", mPath, name)
		}
		got, err := hashFile(filepath.Join(path, name))
		if err != nil {
			return "", err
		}
		if got != want {
			return "", fmt.Errorf("%s has %d bytes and SHA-256 %s, the manifest says %d bytes and %s (truncated or corrupt)",
				filepath.Join(path, name), got.Size, got.SHA256, want.Size, want.SHA256)
		}
	}
	if _, ok := m.Files[gomlxBase+".bin"]; gomlxBase == "" || !ok {
		return "", fmt.Errorf("%s does not list a GoMLX checkpoint (checkpoint-*.json and .bin)", mPath)
	}
	return gomlxBase, nil
}

func hashFile(path string) (fileHash, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileHash{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileHash{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return fileHash{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// commitCheckpoint turns the GoMLX checkpoint files (paths, in the staging directory) and the
// state into the checkpoint dir/ckpt-SEQ-step-STEP: a temporary directory is filled, each file
// fsynced, then renamed into place, and the checkpoints beyond [CheckpointsKept] are removed. On
// an error the temporary directory is removed and the earlier checkpoints stay as they were.
func commitCheckpoint(dir string, seq int, gomlxFiles []string, state *Checkpoint) (path string, err error) {
	path = filepath.Join(dir, checkpointName(seq, state.Step))
	tmp, err := os.MkdirTemp(dir, strings.TrimSuffix(tempCheckpointGlob, "*"))
	if err != nil {
		return path, err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	m := manifest{Format: checkpointFormat, Version: checkpointVersion, Files: map[string]fileHash{}}
	for _, src := range gomlxFiles {
		name := filepath.Base(src)
		if err = os.Rename(src, filepath.Join(tmp, name)); err != nil {
			return path, err
		}
		if err = syncFile(filepath.Join(tmp, name)); err != nil {
			return path, err
		}
		if m.Files[name], err = hashFile(filepath.Join(tmp, name)); err != nil {
			return path, err
		}
	}
	state.Format, state.Version = checkpointFormat, checkpointVersion
	stateJSON, err := json.Marshal(state) // compact: it holds a record per step
	if err != nil {
		return path, fmt.Errorf("encoding %s: %w", stateFile, err)
	}
	if err = writeSynced(filepath.Join(tmp, stateFile), stateJSON); err != nil {
		return path, err
	}
	m.Files[stateFile] = hashBytes(stateJSON)
	manifestJSON, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return path, err
	}
	if err = writeSynced(filepath.Join(tmp, manifestFile), manifestJSON); err != nil {
		return path, err
	}
	if err = syncFile(tmp); err != nil {
		return path, err
	}
	if err = os.Rename(tmp, path); err != nil {
		return path, err
	}
	if err = syncFile(dir); err != nil {
		return path, err
	}
	return path, pruneCheckpoints(dir)
}

func hashBytes(b []byte) fileHash {
	sum := sha256.Sum256(b)
	return fileHash{Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

// writeSynced writes data to a new file and fsyncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncFile fsyncs a file or a directory (so that a rename into it is durable).
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// pruneCheckpoints removes all but the newest [CheckpointsKept] checkpoints of dir.
func pruneCheckpoints(dir string) error {
	paths, _, err := listCheckpoints(dir)
	if err != nil {
		return err
	}
	for _, p := range paths[:max(0, len(paths)-CheckpointsKept)] {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("removing old checkpoint: %w", err)
		}
	}
	return nil
}

// cleanCheckpointDir creates dir if needed and removes what an interrupted write left: the
// staging directory and temporary checkpoint directories.
func cleanCheckpointDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	leftovers, err := filepath.Glob(filepath.Join(dir, tempCheckpointGlob))
	if err != nil {
		return err
	}
	for _, p := range append(leftovers, filepath.Join(dir, stagingDirName)) {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}
