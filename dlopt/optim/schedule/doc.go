// Package schedule has the learning-rate (and any other hyperparameter) schedules of the course:
// every torch.optim.lr_scheduler class of PyTorch 1.13 with torch's exact, recursive semantics,
// optax's schedules, the 1/sqrt(k) decay and the step size of the lecture's Theorem 1, plus
// hooks that drive a GoMLX train.Loop's context variables from a schedule.
//
// # Two kinds of schedule
//
// A [Schedule] is a pure function of the step count k (k = 0 is the first step), as in optax:
// Value(k). A [Scheduler] is stateful, as in torch: LR() is the rate for the next optimizer
// step and Step() is called after each optimizer step (Step(metric) for ReduceLROnPlateau).
// [Stepping] turns a Schedule into a Scheduler; [Values] and [ScheduleValues] tabulate them.
//
// Torch's schedulers keep their state in the optimizer's parameter group, which several of them
// may share and modify in turn; here that is a [*Group] (lr, initial_lr, momentum), so that
// ChainedScheduler and SequentialLR reproduce torch too. Values agree with torch 1.13 within
// 1e-12 relative (tests); the worst seen is 2e-14, from last-bit differences between Go's and
// glibc's cos and pow, amplified where 1 + cos(x) is small. [FromTorch] builds any
// class from torch's name and keyword arguments, with torch's defaults; [OnGroup] does the same
// on an existing group.
//
// # torch.optim.lr_scheduler (1.13)
//
// t is last_epoch (the number of Step calls), lr the group's current rate, base its initial_lr.
// Most classes are recursive: they multiply the current rate, so other schedulers' changes persist.
//
//	LambdaLR                    lr = base * f(t)
//	MultiplicativeLR            lr = lr * f(t) for t > 0
//	StepLR                      lr = lr * gamma when t > 0 and t % step_size == 0
//	MultiStepLR                 lr = lr * gamma^(times t is listed in milestones)
//	ConstantLR                  lr * factor at t = 0, lr / factor at t = total_iters
//	LinearLR                    lr * start_factor at t = 0, then
//	                            lr * (1 + (end-start) / (total_iters*start + (t-1)(end-start))) until total_iters
//	ExponentialLR               lr = lr * gamma for t > 0
//	PolynomialLR                lr = lr * ((1 - t/T) / (1 - (t-1)/T))^power for 0 < t <= T
//	CosineAnnealingLR           lr = (1 + cos(pi t/T)) / (1 + cos(pi (t-1)/T)) * (lr - eta_min) + eta_min,
//	                            and lr + (base - eta_min)(1 - cos(pi/T))/2 when (t-1-T) % 2T == 0;
//	                            alone it equals eta_min + (base - eta_min)(1 + cos(pi t/T))/2
//	CosineAnnealingWarmRestarts lr = eta_min + (base - eta_min)(1 + cos(pi T_cur/T_i))/2, T_cur reset
//	                            and T_i multiplied by T_mult when T_cur reaches T_i (T_i starts at T_0)
//	CyclicLR                    cycle = floor(1 + t/(up+down)), x = 1 + t/(up+down) - cycle,
//	                            s = x/r if x <= r else (x-1)/(r-1) with r = up/(up+down),
//	                            lr = base_lr + (max_lr - base_lr) s scale, momentum = max_m - (max_m - base_m) s scale,
//	                            scale = 1 (triangular), 1/2^(cycle-1) (triangular2), gamma^t (exp_range)
//	OneCycleLR                  phases from max_lr/div_factor up to max_lr (pct_start of the steps), then down to
//	                            max_lr/(div_factor*final_div_factor) (three_phase: back to the initial rate
//	                            first), each annealed by start + (end-start) pct ("linear") or
//	                            end + (start-end)(1 + cos(pi pct))/2 ("cos"); momentum (or beta1) the other way
//	ReduceLROnPlateau           after more than patience steps without improving on the best metric by
//	                            threshold (rel: best*(1 -/+ threshold), abs: best -/+ threshold),
//	                            lr = max(lr*factor, min_lr) if that changes lr by more than eps; then cooldown
//	ChainedScheduler            steps every child in turn on the shared group
//	SequentialLR                child i between milestones[i-1] and milestones[i], restarted with step(0)
//
// Differences from torch are errors, not behaviours: arguments torch 1.13 accepts but then divides
// by zero with (ConstantLR factor 0, LinearLR start_factor 0, an empty OneCycleLR phase) are
// rejected, last_epoch must be -1 (no resuming from a torch state), and lr_lambda/scale_fn are Go
// functions. As an extension, a ChainedScheduler may contain a ReduceLROnPlateau, which gets the
// metric passed to Step.
//
// # optax schedules
//
// Typed constructors, or [FromOptax] with optax's public names and keyword arguments.
//
//	Constant, Linear               init for k < begin, linear to end over T steps, then end
//	Polynomial                     (init - end)(1 - clip(k - begin, 0, T)/T)^power + end
//	CosineDecay                    init ((1 - alpha)(0.5 (1 + cos(pi min(k,T)/T)))^exponent + alpha)
//	ExponentialDecay               init rate^((k - begin)/T) for k > begin (floored with staircase),
//	                               clipped at end_value (a lower bound if rate < 1, else an upper bound)
//	PiecewiseConstant              init times the scales of all boundaries <= k
//	PiecewiseInterpolate           linear or cosine between init*cumprod(scales) at the boundaries
//	WarmupConstant                 linear warmup init -> peak, then peak
//	WarmupCosineDecay              linear warmup init -> peak, then CosineDecay(peak, decay - warmup, end/peak)
//	WarmupExponentialDecay         linear warmup init -> peak, then ExponentialDecay restarted at 0
//	LinearOneCycle, CosineOneCycle optax's one-cycle schedules through PiecewiseInterpolate
//	SGDR                           WarmupCosineDecay cycles joined back to back
//	Join                           schedules[i+1](k - boundaries[i]) from boundaries[i] on
//
// # Theory
//
//	InverseSqrt       gamma0 / sqrt(k + 1)
//	Theorem1StepSize  gamma = [ (2 Delta0 / ((K+1) L sigma^2))^{-1/2} + L ]^{-1}, 1/L when sigma^2 = 0
//
// # Driving any hyperparameter
//
// Optimizers keep their hyperparameters as scalar GoMLX model store variables, set from the host
// between steps. A [Setter] writes one value: [VariableSetter] writes a variable named by absolute
// scope and name ([SetVariable]), and a closure over an optimizer's own setter, e.g.
// func(v float64) error { return opt.SetHyper(store, "b1", v) }, also checks the value's range.
// [DriveSchedule] and [DriveScheduler] register train.Loop hooks that call a Setter before every
// training step: a pure schedule follows the loop's global step; a torch-style scheduler is
// stepped after each training step (with the batch loss or a given metric for ReduceLROnPlateau)
// and can also drive the momentum (beta1) it cycles.
package schedule
