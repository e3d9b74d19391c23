using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;

namespace ModelBaker.Core.Operators;

/// <summary>C = A + B with numpy broadcasting (integers wrap around).</summary>
public sealed class Add : BinaryOperator
{
    public override string OpType => "Add";

    public override OperatorSupport Support => Arithmetic("C = A + B; a constant addend after a fully connected or convolution step folds into its bias", "integer addition with rescaled inputs, as TensorFlow Lite");

    protected override BinaryOperation Operation => BinaryOperation.Add;

    /// <summary>A constant addend after a fully connected (or convolution) step is a bias: folded into it.</summary>
    public override void Lower(Node node, LoweringContext context)
    {
        for (int side = 0; side < 2; side++)
        {
            var other = context.Graph[node.Inputs[1 - side]];
            if (other.IsConstant && other.Type == ElementType.Float32 && BiasFusion.TryFuse(context, node, node.Inputs[side], other.Constant!)) return;
        }
        base.Lower(node, context);
    }
}
