"""nn.summary's dry-run costs against a hand count for a small MLP (and with LoRA)."""
from __future__ import annotations

import minitorch as mt
from minitorch import nn
from minitorch.nn.summary_costs import training_costs


def _mlp():
    mt.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


# Hand count for a batch of N=2, y = x @ W.T (+ b): input gradient 2*N*in*out, weight
# gradient 2*N*in*out, bias gradient N*out, each only when needed. The data x does not
# require grad, so the first layer never computes an input gradient.
#   all trainable: layer 0: W 2*2*4*8=128, b 2*8=16; layer 2: x 2*2*8*3=96, W 96, b 6 = 342
#   layer 0 frozen: layer 2: W 96, b 6 = 102 (its input no longer needs a gradient)
#   layer 2 frozen: layer 0: W 128, b 16; layer 2: x 96 = 240
# Bytes kept for backward (parameters excluded): layer 0 keeps x (2x4 float32, 32 B) for
# its weight gradient; ReLU a boolean mask (2x8, 16 B); layer 2 its input (2x8 float32,
# 64 B) for its weight gradient.
def test_costs_match_a_hand_count():
    model = _mlp()
    full = training_costs(model, (2, 4))
    assert (full.backward_flops, full.full_backward_flops) == (342, 342)
    assert (full.saved_bytes, full.full_saved_bytes) == (32 + 16 + 64, 112)

    nn.freeze(model[0])
    c = training_costs(model, (2, 4))
    assert (c.backward_flops, c.flops_skipped) == (102, 240)
    assert (c.saved_bytes, c.bytes_not_kept) == (64, 48)

    nn.unfreeze(model[0])
    nn.freeze(model[2])
    c = training_costs(model, (2, 4))
    assert (c.backward_flops, c.saved_bytes) == (128 + 16 + 96, 32 + 16)
    assert [p.requires_grad for p in model.parameters()] == [True, True, False, False]


def test_costs_scale_with_the_batch_and_leave_the_model_as_it_was():
    model = _mlp()
    nn.freeze(model[0])
    bn = nn.Sequential(model, nn.BatchNorm1d(3))
    bn.train()
    stats = bn[1].running_mean.clone()
    c = training_costs(bn, (10, 4))
    # layer 2 alone: 5x the batch of 2; BatchNorm's own backward has no matmul
    assert c.backward_flops == 5 * 102
    assert bn[1].running_mean.equal(stats) and bn.training and bn[0].training
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]


def test_lora_costs_and_the_summary_lines():
    model = _mlp()
    nn.freeze(model[0])
    nn.add_lora(model, rank=2, targets="2")
    # A: weight gradient 2*2*8*2 = 64 (its input, the ReLU output, needs none);
    # B: input and weight gradients 2 * (2*2*2*3) = 48; the frozen base: nothing at all
    # (its input does not require grad and its weight is frozen). Kept: A's input (2x8
    # float32, 64 B) and B's input (2x2 float32, 16 B).
    c = training_costs(model, (2, 4))
    assert (c.backward_flops, c.saved_bytes) == (112, 80)
    text = nn.summary(model, input_shape=(2, 4))
    assert "Backward matmul FLOPs per batch: 112 (all trainable: 518; skipped: 406, 78%)" \
        in text
    assert "Activations kept for backward: 80 B" in text
    assert "  2.lora_A        (2, 8)   trainable" in text
    assert "  2.base.weight   (3, 8)   frozen" in text
    assert "  2: rank 2, alpha 16 (scaling 8), A (2, 8), B (3, 2) on a 8->3 Linear" in text
    assert "Backward matmul" not in nn.summary(model)      # no input_shape: no dry run


def test_bias_only_tuning_costs_match_a_hand_count():
    """BitFit: only the biases train. Layer 0's node has no input that needs a shape of
    its own (x is data, W frozen); its bias gradient still costs N*out = 2*8 = 16. Layer 2's
    input now needs a gradient (it depends on a trainable bias): x 2*2*8*3 = 96, b 2*3 = 6."""
    model = _mlp()
    nn.unfreeze(nn.freeze(model), names="*bias")
    c = training_costs(model, (2, 4))
    assert c.backward_flops == 16 + 96 + 6
    assert c.full_backward_flops == 342
