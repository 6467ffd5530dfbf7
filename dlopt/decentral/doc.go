// Package decentral holds the mathematics of data-parallel and decentralized SGD: mixing matrices
// of communication topologies, their spectral gap, their traffic, and float64 host simulations of
// the algorithms on n workers with heterogeneous data.
//
// # Gossip and mixing matrices
//
// n workers each hold a model x_i; stack them as the rows of X (n x d). One gossip round replaces
// X by W X, where W is the round's mixing matrix: W[i][j] > 0 only when worker j sends to worker
// i. When W is doubly stochastic (non-negative, rows and columns sum to 1) the average
// xbar = 1^T X / n never moves, and the consensus error shrinks at least as fast as
//
//	||W X - 1 xbar^T||_F <= rho ||X - 1 xbar^T||_F,   rho = ||W - 11^T/n||_2 < 1,
//
// so 1 - rho, the spectral gap, says how well a topology mixes. [CheckDoublyStochastic] checks
// the first property with a clear error, [Rho] computes the second (gonum's SVD).
//
// # Topologies ([New], [Names])
//
//	ring         1/3 on self and both neighbours           rho = (1+2cos(2pi/n))/3       2 sends
//	torus m x m  1/5 on self and four neighbours           rho = (3+2cos(2pi/m))/5       4 sends
//	star         Metropolis weights 1/n, hub = worker 0    rho = 1 - 1/n       hub n-1, leaf 1
//	complete     1/n everywhere                            rho = 0                     n-1 sends
//	exponential  1/(tau+1) on offsets 0,1,2,4,..,2^(tau-1)  rho = (tau-1)/(tau+1), n = 2^tau   tau
//	one-peer     1/2 on self and offset 2^(t mod tau)      tau rounds average exactly, n = 2^tau  1
//	all-reduce   11^T/n, as a ring all-reduce              rho = 0               2(n-1)/n sends
//
// with tau = ceil(log2 n). The ring, torus and static exponential matrices are circulant (the
// torus a product of two), so their eigenvalues are the discrete Fourier transform of one row:
// for the exponential graph lambda_l = (1 + sum_j w^(l 2^j))/(tau+1), w = exp(2 pi i/n). With
// n = 2^tau and l = 2^s q (q odd, s < tau), the terms j >= tau-s are 1, the term j = tau-s-1 is
// -1 and the other tau-s-1 have modulus 1; so |lambda_l| <= (s + tau-s-1)/(tau+1), with equality
// at l = n/2. As a circulant matrix is normal, rho = max |lambda_l| = (tau-1)/(tau+1).
// For one-peer with n = 2^tau, W_t = (I + P^(2^t))/2 with P the cyclic shift, and
//
//	W_{tau-1} ... W_0 = prod_t (I + P^(2^t))/2 = (1/n) sum_{s<n} P^s = 11^T/n,
//
// since every s < n has exactly one binary expansion; for other n some shifts repeat and the
// product is not the average.
//
// SendsPerRound counts model-sized messages a worker sends; [CommunicationPerRound] gives the
// mean (total traffic / n) and the busiest worker's (the star's hub), and [RingAllReduceSends]
// the 2(n-1)/n of a ring all-reduce (reduce-scatter then all-gather, each n-1 chunks of size 1/n).
//
// # Algorithms ([Algorithms], [ParseAlgorithm])
//
// With G(X) the stacked local (stochastic) gradients and a constant step a:
//
//	D-SGD, adapt-then-combine:  X <- W (X - a G(X))                      (BlueFog neighbor_allreduce)
//	D-SGD, combine-then-adapt:  X <- W X - a G(X)                        (Lian et al. 2017)
//	exact diffusion:            P' = X - a G(X);  X <- (I+W)/2 (P' + X - P)   (Yuan et al. 2019, P_0 = X_0)
//	gradient tracking:          X' = W X - a Y;  Y <- W Y + G(X') - G(X)     (Y_0 = G(X_0))
//
// With the all-reduce topology adapt-then-combine D-SGD is synchronous data-parallel SGD: n
// workers with minibatch B are one worker with minibatch nB over the pooled data.
//
// # The bias of D-SGD, and its correction
//
// On heterogeneous data (local minimisers differ) D-SGD with a constant step does not stop at
// the minimiser x* of f = (1/n) sum f_i: at a fixed point of combine-then-adapt, summing over
// workers gives sum_i grad f_i(x_i*) = 0 while the x_i* differ by O(a/(1-rho)), so xbar* is
// O(a) away from x*. On quadratics (grad f_i(x) = H_i x - c_i) the fixed point solves a linear
// system, [DSGDFixedPoint] solves it exactly for either variant, and the bias ||xbar* - x*||
// halves with the step. Exact diffusion adds x_k - psi_k, gradient tracking the difference of
// successive gradients; both keep the invariant that the average update is the average
// gradient at every step, so their fixed points are 1 x*^T: they reach x* to machine precision
// with full gradients (and drop the correction, and they are D-SGD again).
//
// # Host simulations
//
// [NewLeastSquares] draws f_i(x) = 1/(2m) ||A_i x - b_i||^2 with a heterogeneity knob; [Simulate]
// runs any algorithm on any topology in float64 with full gradients or minibatches from a seeded
// [UniformSampler], and returns a [Trace] per round: loss at the average, the workers' mean
// loss, distances to x*, the consensus error ||X - 1 xbar^T||_F and bytes sent per worker.
// [Gossip] runs plain averaging. These are small and exact, for tests and notebook 09.
//
// # The batched graph trainer
//
// Subpackage dlopt/decentral/batched runs the same algorithms on networks: the n workers' models
// as one GoMLX graph with a leading worker axis (batched.WorkerModel), one training step one
// round (batched.Rounds), driven by experiment.Train from Config.Workers. It lives apart so that
// this package needs only Go and gonum: importing it does not link GoMLX.
package decentral
