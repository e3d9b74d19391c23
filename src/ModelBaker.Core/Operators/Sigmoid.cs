using System;

namespace ModelBaker.Core.Operators;

/// <summary>Y = 1 / (1 + e^(-X)).</summary>
public sealed class Sigmoid : UnaryFloatOperator
{
    public override string OpType => "Sigmoid";
    // Exp in double, rounded once: netstandard2.0 has no MathF, and this stays within 1 ulp of float math.
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Sigmoid;
    public override float Apply(float x) => 1f / (1f + (float)Math.Exp(-x));
}
