using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Simple recurrent layer: H = f(X·Wᵀ + H·Rᵀ + Wb + Rb). Default activation Tanh.</summary>
public sealed class RNN : RecurrentOperator
{
    public override string OpType => "RNN";

    public override OperatorSupport Support => Recurrent("H = f(X·Wᵀ + H·Rᵀ + Wb + Rb)", Int8Form.Integer,
        "integer RNN in the integer LSTM's scheme (int8 weights per row, pre-activation in Q3.12, tanh from its table, int8 hidden state); " +
        "other activations than Tanh run in a float island", nano: true, nanoDetails: "activation Tanh only (others are a float island: MB1135)");

    protected override RecurrentCell Cell => RecurrentCell.Rnn;
    protected override string[] DefaultActivations { get; } = { "Tanh" };
}
