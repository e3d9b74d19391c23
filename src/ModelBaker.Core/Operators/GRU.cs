using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Gated recurrent unit layer: gates z, r, h, with the reset gate applied before (default) or after
/// (linear_before_reset) the recurrence of the hidden gate. Default activations Sigmoid, Tanh.
/// </summary>
public sealed class GRU : RecurrentOperator
{
    public override string OpType => "GRU";

    public override OperatorSupport Support => Recurrent("gates z, r, h; linear_before_reset");

    protected override RecurrentCell Cell => RecurrentCell.Gru;
    protected override string[] DefaultActivations { get; } = { "Sigmoid", "Tanh" };
}
