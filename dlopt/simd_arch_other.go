//go:build !amd64

package dlopt

const simdArch = false
