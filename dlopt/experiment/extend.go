package experiment

import "fmt"

// checkExtension checks the two settings a resumed run may change: Epochs (to extend a run, or
// end it earlier than planned but not before the epochs it has done) and, for the presets that
// decay over a horizon, ScheduleEpochs. The horizon must be set explicitly when Epochs
// changes it, so that neither keeping it (the rate stays at 0 after it) nor re-planning it (the
// rate jumps) happens silently; an explicit ScheduleEpochs is taken as said.
func checkExtension(ck *Checkpoint, cfg Config) error {
	if done := ck.Epochs + min(ck.Batch, 1); cfg.Epochs < done {
		return fmt.Errorf("epochs %d is too few: the checkpoint has trained %d epochs (global step %d, %d steps per epoch); give at least %d",
			cfg.Epochs, done-min(ck.Batch, 1), ck.Step, ck.StepsPerEpoch, done)
	}
	if saved := ck.Config; saved.hasHorizon() && cfg.ScheduleEpochs == 0 && saved.horizonEpochs() != cfg.horizonEpochs() {
		return fmt.Errorf("its %s schedule spans %d epochs, this run's would span %d: set ScheduleEpochs (--schedule-epochs) to %d "+
			"to keep that horizon (the learning rate stays 0 after it), or to %d to re-plan the schedule over the new epochs "+
			"(the learning rate jumps)", saved.Schedule, saved.horizonEpochs(), cfg.horizonEpochs(), saved.horizonEpochs(), cfg.Epochs)
	}
	return nil
}
