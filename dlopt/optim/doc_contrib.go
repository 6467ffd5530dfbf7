// # The other optimizers
//
// One file each, named after the optimizer; the type of each holds its full update rule and
// paper. Names are optax's public names (optax keywords and defaults) unless marked torch. t is
// the step count, g the gradient, m̂ a bias-corrected moment, and the result is applied as
// p ← p - lr·d unless said otherwise.
//   - lion [Lion] (Chen et al. 2023): d = sign((1-β₁)g + β₁m) + wd·p; m ← (1-β₂)g + β₂m.
//   - lamb [LAMB] (You et al. 2020): Adam + wd·p, rescaled per variable by ‖p‖/‖d‖.
//   - lars [LARS] (You et al. 2017): (g + wd·p) rescaled by trust·‖p‖/‖·‖, then SGD momentum.
//   - fromage [Fromage] (Bernstein et al. 2020): p ← (p - lr·‖p‖/‖g‖·g)/√(1 + lr²).
//   - yogi [Yogi] (Zaheer et al. 2018): v ← v - (1-β₂)·sign(v - g²)·g²; d = m̂/(√v̂ + ε).
//   - adabelief [AdaBelief] (Zhuang et al. 2020): v tracks (g - m)² instead of g².
//   - novograd [Novograd] (Ginsburg et al. 2019): one second moment per variable, ‖g‖².
//   - sm3 [SM3] (Anil et al. 2019): Adagrad with one accumulator per axis (min over covers).
//   - adan [Adan] (Xie et al. 2022): moments of g, of g - g_prev and of (g + (1-β₂)Δ)².
//   - rprop [OptaxRprop] (Riedmiller & Braun 1993): per-element step sizes by sign agreement;
//     optax's step lags one update (the first update does not move).
//   - sign_sgd [SignSGD], signum [Signum] (Bernstein et al. 2018): d = sign(g), sign(EMA of g).
//   - optimistic_gradient_descent [OptimisticGD] (Mokhtari et al. 2020): d = (α+β)g_t - βg_{t-1}.
//   - adafactor [OptaxAdafactor], torch Adafactor [TorchAdafactor] (Shazeer & Stern 2018):
//     factored second moment (row and column means of g²); the two libraries differ throughout.
//   - muon [Muon], torch Muon [TorchMuon] (Jordan et al. 2024): the momentum of each matrix is
//     orthogonalised by Newton–Schulz iterations X ← aX + (bXXᵀ + c(XXᵀ)²)X; PyTorch runs them
//     in bfloat16 (reproduced bit for bit) and scales by √max(1, rows/cols), optax by
//     √max(1, cols/rows) and trains the other variables with AdamW.
//   - prodigy [Prodigy] (Mishchenko & Defazio 2023), dadapt_adamw [DAdaptAdamW] (Defazio &
//     Mishchenko 2023): AdamW at rate d·lr, d a growing estimate of the distance to the solution.
//   - schedule_free_adamw, schedule_free_sgd [ScheduleFreeAdamW], [ScheduleFreeSGD] (Defazio et
//     al. 2024): train at y = β₁x + (1-β₁)z, evaluate at the weighted average x of the base
//     iterates z ([Trajectory].Eval, [Optimizer.EvalParamsGraph]).
//   - adopt [ADOPT] (Taniguchi et al. 2024): normalise g by the previous second moment, then
//     momentum; the first update does not move.
//   - ademamix [AdEMAMix] (Pagliardini et al. 2024): d = (m̂₁ + α·m₂)/(√v̂ + ε), m₂ a slow EMA;
//     simplified_ademamix [SimplifiedAdEMAMix] (Morwani et al. 2025): d = (m + αg)/(√v̂ + ε).
//   - cocob [COCOB] (Orabona & Tommasi 2017): coin betting, p = p₀ + θ/(L·max(G+L, αL))·(L+R).
//   - acprop [ACProp] (Zhuang et al. 2021): AdaBelief's denominator from the previous step.
//   - madgrad [MADGRAD] (Defazio & Jelassi 2021): dual averaging with a cube-root denominator.
//   - dog [DoG] (Ivgi et al. 2023): step r̄/√Σ‖g‖², r̄ the largest distance from x₀;
//     dowg [DoWG] (Khaled et al. 2023): step r̄²/√Σ r̄²‖g‖².
//   - torch LBFGS [LBFGS] (Nocedal 1980; torch's port of minFunc): closure-driven L-BFGS with
//     optional strong-Wolfe line search, step for step as torch.optim.LBFGS; [GraphClosure]
//     builds the closure from a GoMLX loss.
//
// Links these share, usable in new chains: [ScaleByTrustRatio], [ScaleBySign], [ScaleByEMA],
// [ScaleByPositiveLR], [PartitionByRank], [ClipByBlockRMS], [ScaleByParamBlockRMS].
package optim
