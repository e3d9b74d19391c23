using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Gated recurrent unit layer: gates z, r, h, with the reset gate applied before (default) or after
/// (linear_before_reset) the recurrence of the hidden gate. Default activations Sigmoid, Tanh.
/// </summary>
public sealed class GRU : RecurrentOperator
{
    public override string OpType => "GRU";

    public override OperatorSupport Support => Recurrent("gates z, r, h; linear_before_reset", Int8Form.Integer,
        "integer GRU in the integer LSTM's scheme (int8 weights per gate row, gates in Q3.12, sigmoid and tanh from one table, the hidden state " +
        "carried in int16 with a power-of-two scale from calibration, int8 for the matrix products and Y); other activations than Sigmoid, Tanh " +
        "run in a float island", nano: true, nanoDetails: "activations Sigmoid, Tanh only (others are a float island: MB1135)");

    protected override RecurrentCell Cell => RecurrentCell.Gru;
    protected override string[] DefaultActivations { get; } = { "Sigmoid", "Tanh" };
}
