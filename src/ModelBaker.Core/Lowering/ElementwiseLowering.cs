using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Lowering;

/// <summary>
/// One element-wise binary step from two sources (graph values, constants or partial results of a chain such as
/// Sum of three inputs): BinaryFloat for float tensors, BinaryInteger for integer ones.
/// </summary>
public static class ElementwiseLowering
{
    /// <summary>A step input: an arena place or constant data, with its shape.</summary>
    public sealed record Source(ArenaSlice? Slice, Tensor? Constant, int[] Shape);

    /// <summary>The graph value <paramref name="name"/> as a step input.</summary>
    public static Source Of(LoweringContext context, string name)
    {
        var value = context.Graph[name];
        return value.IsConstant ? new Source(null, value.Constant, context.Shape(name)) : new Source(context.Slice(name), null, context.Shape(name));
    }

    /// <summary>Adds the step output = a ∘ b (broadcast to <paramref name="shape"/>) of element type <paramref name="type"/>.</summary>
    public static void Add(LoweringContext context, string source, BinaryOperation operation, ElementType type, Source a, Source b,
        int[] shape, ArenaSlice output)
    {
        int[] aStrides = ShapeMath.BroadcastStrides(a.Shape, shape), bStrides = ShapeMath.BroadcastStrides(b.Shape, shape);
        if (type == ElementType.Float32)
        {
            context.Add(BinaryFloat.Create(source, operation, shape,
                new Operand<float>(a.Slice, a.Constant?.AsFloats(), aStrides), new Operand<float>(b.Slice, b.Constant?.AsFloats(), bStrides),
                float.NegativeInfinity, float.PositiveInfinity, output));
            return;
        }
        context.Add(new BinaryInteger(source, operation, type, shape,
            new Operand<long>(a.Slice, a.Constant?.Int64s, aStrides), new Operand<long>(b.Slice, b.Constant?.Int64s, bStrides), output));
    }
}
