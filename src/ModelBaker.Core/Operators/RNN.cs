using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Simple recurrent layer: H = f(X·Wᵀ + H·Rᵀ + Wb + Rb). Default activation Tanh.</summary>
public sealed class RNN : RecurrentOperator
{
    public override string OpType => "RNN";

    public override OperatorSupport Support => Recurrent("H = f(X·Wᵀ + H·Rᵀ + Wb + Rb)");

    protected override RecurrentCell Cell => RecurrentCell.Rnn;
    protected override string[] DefaultActivations { get; } = { "Tanh" };
}
