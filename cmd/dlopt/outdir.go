package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// missingDirs returns the directories a run writing into dir (and its subdirectories subs)
// would create: the outermost missing directory on the way to dir, or, when dir exists, each
// dir/sub that is missing. A run that fails passes them to removeEmptyDirs, so that it leaves
// no empty folder behind and never touches one that was there before.
func missingDirs(dir string, subs ...string) []string {
	if _, err := os.Stat(dir); err == nil {
		var missing []string
		for _, sub := range subs {
			if p := filepath.Join(dir, sub); !exists(p) {
				missing = append(missing, p)
			}
		}
		return missing
	}
	outermost := filepath.Clean(dir)
	for {
		parent := filepath.Dir(outermost)
		if parent == outermost || exists(parent) {
			return []string{outermost}
		}
		outermost = parent
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// removeEmptyDirs removes each of dirs with the directories under it, innermost first, where
// they hold no file: a directory with anything left in it (a checkpoint, the metrics of a run
// that diverged) stays, and so do its parents.
func removeEmptyDirs(dirs []string) {
	for _, root := range dirs {
		var found []string
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				found = append(found, path)
			}
			return nil
		})
		for _, d := range slices.Backward(found) {
			_ = os.Remove(d) // fails, as it should, for a directory that is not empty
		}
	}
}
