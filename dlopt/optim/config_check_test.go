package optim

import (
	"errors"
	"strings"
	"testing"
)

// zeroConfigConstructors builds every typed constructor's optimizer from its zero Config.
var zeroConfigConstructors = []struct {
	name  string
	build func() (*Optimizer, error)
}{
	{"ACProp", func() (*Optimizer, error) { return ACProp(ACPropConfig{}) }},
	{"AdaBelief", func() (*Optimizer, error) { return AdaBelief(AdaBeliefConfig{}) }},
	{"OptaxAdafactor", func() (*Optimizer, error) { return OptaxAdafactor(OptaxAdafactorConfig{}) }},
	{"TorchAdafactor", func() (*Optimizer, error) { return TorchAdafactor(TorchAdafactorConfig{}) }},
	{"Adan", func() (*Optimizer, error) { return Adan(AdanConfig{}) }},
	{"AdEMAMix", func() (*Optimizer, error) { return AdEMAMix(AdEMAMixConfig{}) }},
	{"SimplifiedAdEMAMix", func() (*Optimizer, error) { return SimplifiedAdEMAMix(SimplifiedAdEMAMixConfig{}) }},
	{"ADOPT", func() (*Optimizer, error) { return ADOPT(ADOPTConfig{}) }},
	{"COCOB", func() (*Optimizer, error) { return COCOB(COCOBConfig{}) }},
	{"DAdaptAdamW", func() (*Optimizer, error) { return DAdaptAdamW(DAdaptAdamWConfig{}) }},
	{"DoG", func() (*Optimizer, error) { return DoG(DoGConfig{}) }},
	{"DoWG", func() (*Optimizer, error) { return DoWG(DoWGConfig{}) }},
	{"Fromage", func() (*Optimizer, error) { return Fromage(FromageConfig{}) }},
	{"LAMB", func() (*Optimizer, error) { return LAMB(LAMBConfig{}) }},
	{"LARS", func() (*Optimizer, error) { return LARS(LARSConfig{}) }},
	{"Lion", func() (*Optimizer, error) { return Lion(LionConfig{}) }},
	{"MADGRAD", func() (*Optimizer, error) { return MADGRAD(MADGRADConfig{}) }},
	{"Muon", func() (*Optimizer, error) { return Muon(MuonConfig{}) }},
	{"TorchMuon", func() (*Optimizer, error) { return TorchMuon(TorchMuonConfig{}) }},
	{"Novograd", func() (*Optimizer, error) { return Novograd(NovogradConfig{}) }},
	{"OptaxAdam", func() (*Optimizer, error) { return OptaxAdam(OptaxAdamConfig{}) }},
	{"OptaxAdamax", func() (*Optimizer, error) { return OptaxAdamax(OptaxAdamaxConfig{}) }},
	{"OptaxAmsgrad", func() (*Optimizer, error) { return OptaxAmsgrad(OptaxAmsgradConfig{}) }},
	{"OptaxRAdam", func() (*Optimizer, error) { return OptaxRAdam(OptaxRAdamConfig{}) }},
	{"OptaxAdagrad", func() (*Optimizer, error) { return OptaxAdagrad(OptaxAdagradConfig{}) }},
	{"OptaxRMSprop", func() (*Optimizer, error) { return OptaxRMSprop(OptaxRMSpropConfig{}) }},
	{"OptaxAdadelta", func() (*Optimizer, error) { return OptaxAdadelta(OptaxAdadeltaConfig{}) }},
	{"Prodigy", func() (*Optimizer, error) { return Prodigy(ProdigyConfig{}) }},
	{"OptaxRprop", func() (*Optimizer, error) { return OptaxRprop(OptaxRpropConfig{}) }},
	{"ScheduleFreeAdamW", func() (*Optimizer, error) { return ScheduleFreeAdamW(ScheduleFreeConfig{}) }},
	{"ScheduleFreeSGD", func() (*Optimizer, error) { return ScheduleFreeSGD(ScheduleFreeConfig{}, nil) }},
	{"SGD", func() (*Optimizer, error) { return SGD(SGDConfig{}) }},
	{"OptaxSGD", func() (*Optimizer, error) { return OptaxSGD(OptaxSGDConfig{}) }},
	{"SM3", func() (*Optimizer, error) { return SM3(SM3Config{}) }},
	{"Adam", func() (*Optimizer, error) { return Adam(AdamConfig{}) }},
	{"Adamax", func() (*Optimizer, error) { return Adamax(AdamaxConfig{}) }},
	{"NAdam", func() (*Optimizer, error) { return NAdam(NAdamConfig{}) }},
	{"RAdam", func() (*Optimizer, error) { return RAdam(RAdamConfig{}) }},
	{"Adagrad", func() (*Optimizer, error) { return Adagrad(AdagradConfig{}) }},
	{"RMSprop", func() (*Optimizer, error) { return RMSprop(RMSpropConfig{}) }},
	{"Adadelta", func() (*Optimizer, error) { return Adadelta(AdadeltaConfig{}) }},
	{"ASGD", func() (*Optimizer, error) { return ASGD(ASGDConfig{}) }},
	{"Rprop", func() (*Optimizer, error) { return Rprop(RpropConfig{}) }},
	{"Yogi", func() (*Optimizer, error) { return Yogi(YogiConfig{}) }},
}

// A zero Config is no configuration: each constructor refuses it, naming a field and the
// Default* function to start from, instead of training with a learning rate of 0.
func TestZeroConfigRefused(t *testing.T) {
	for _, tc := range zeroConfigConstructors {
		t.Run(tc.name, func(t *testing.T) {
			opt, err := tc.build()
			if err == nil {
				t.Fatalf("%s of a zero Config built %q; want an error", tc.name, opt.Name())
			}
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "start from ") ||
				!strings.Contains(err.Error(), "Config.") {
				t.Errorf("%s of a zero Config: %v; want ErrInvalidValue naming the field and what to start from", tc.name, err)
			}
		})
	}
}

func TestConfigErrorsNameTheFix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() (*Optimizer, error)
		want  []string
	}{
		{"SGD{}", func() (*Optimizer, error) { return SGD(SGDConfig{}) },
			[]string{`SGDConfig.LR (keyword "lr") is 0`, "never move", "start from DefaultSGD()"}},
		{"Adam{LR}", func() (*Optimizer, error) { return Adam(AdamConfig{LR: 1e-3}) },
			[]string{"eps = 0 is invalid", "AdamConfig.Beta1, Beta2, Eps are 0 where DefaultAdam() or DefaultAdamW() has 0.9, 0.999, 1e-08"}},
		{"Lion{}", func() (*Optimizer, error) { return Lion(LionConfig{}) },
			[]string{`LionConfig.LearningRate (keyword "learning_rate") is 0`, "DefaultLion()"}},
		{"OptaxAdam{}", func() (*Optimizer, error) { return OptaxAdam(OptaxAdamConfig{}) },
			[]string{"OptaxAdamConfig.LearningRate", "DefaultOptaxAdam(lr)"}},
		{"torch SGD lr 0", func() (*Optimizer, error) { return New(Torch, "SGD", kw("lr", 0.0)) },
			[]string{`(keyword "lr") is 0`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.build()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// The defaults themselves build, and a zero field the library allows is kept: Adam with
	// beta1 0 is RMSprop-like, not a mistake.
	c := DefaultAdam()
	c.Beta1 = 0
	if _, err := Adam(c); err != nil {
		t.Errorf("Adam with Beta1 0: %v", err)
	}
}
