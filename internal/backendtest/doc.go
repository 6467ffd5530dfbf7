// Package backendtest gives tests the backend $DLOPT_BACKEND selects (`make test-backend
// BACKEND=...` runs the suite on one) and says, with t.Skip, what a test cannot hold to there:
// a dtype the backend lacks, or float32 matrix products compared to float32 precision on a
// backend that computes them in TF32.
package backendtest
