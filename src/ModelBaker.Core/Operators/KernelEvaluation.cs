using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The float reference of operators whose plan steps compute any element type (comparisons, Where, OneHot, TopK,
/// runtime Gather): the steps themselves, run on a scratch arena holding the node's inputs — so the executable spec
/// and the baked code are one text. Also the typed operands those steps take, from graph values or tensors.
/// </summary>
internal sealed class KernelEvaluation
{
    private readonly Dictionary<ElementType, int> _lengths = new();
    private readonly List<(ArenaSlice Slice, Tensor Tensor)> _inputs = new();

    /// <summary>A place for <paramref name="tensor"/>, filled before the steps run.</summary>
    public ArenaSlice Input(Tensor tensor)
    {
        var slice = Place("input" + _inputs.Count, tensor.Type, tensor.Shape);
        _inputs.Add((slice, tensor));
        return slice;
    }

    /// <summary>A place for a result.</summary>
    public ArenaSlice Output(ElementType type, int[] shape) => Place("output", type, shape);

    private ArenaSlice Place(string name, ElementType type, int[] shape)
    {
        _lengths.TryGetValue(type, out int offset);
        int length = ShapeMath.Length(shape);
        _lengths[type] = offset + length;
        return new ArenaSlice(name, type, length, offset, shape);
    }

    /// <summary>Runs the steps in order and returns <paramref name="results"/> as tensors of their shapes.</summary>
    public Tensor[] Run(IEnumerable<Kernel> kernels, params ArenaSlice[] results)
    {
        var arena = new PlanArena(_lengths);
        foreach (var (slice, tensor) in _inputs)
            System.Array.Copy(TensorArrays.ToArray(tensor, slice.Type), 0, arena.Array(slice.Type), slice.Offset, slice.Length);
        foreach (var kernel in kernels) kernel.Run(arena);
        return results.Select(slice =>
        {
            var values = System.Array.CreateInstance(TensorArrays.ClrType(slice.Type), slice.Length);
            System.Array.Copy(arena.Array(slice.Type), slice.Offset, values, 0, slice.Length);
            return TensorArrays.ToTensor(values, slice.Shape!);
        }).ToArray();
    }

    /// <summary>A tensor as a constant operand read broadcast to <paramref name="shape"/>.</summary>
    public static TypedOperand Constant(Tensor tensor, int[] shape) =>
        new(null, TensorArrays.ToArray(tensor, tensor.Type), ShapeMath.BroadcastStrides(tensor.Shape, shape));

    /// <summary>A graph value as a step operand (its constant, or its arena place) read broadcast to <paramref name="shape"/>.</summary>
    public static TypedOperand Operand(LoweringContext context, string name, int[] shape)
    {
        var value = context.Graph[name];
        return value.IsConstant
            ? Constant(value.Constant!, shape)
            : new TypedOperand(context.Slice(name), null, ShapeMath.BroadcastStrides(context.Shape(name), shape));
    }

    /// <summary>A tensor in another element type, with the Cast step's semantics.</summary>
    public static Tensor Convert(Tensor tensor, ElementType type)
    {
        if (tensor.Type == type) return tensor;
        var evaluation = new KernelEvaluation();
        var input = evaluation.Input(tensor);
        var output = evaluation.Output(type, tensor.Shape);
        return evaluation.Run(new[] { new Conversion("conversion", input, output) }, output)[0];
    }

    /// <summary>A place for an intermediate result of a node's steps (its name says whose and what).</summary>
    public static ArenaSlice Temporary(LoweringContext context, string value, ElementType type, string what) =>
        new($"{value} ({what})", type, ShapeMath.Length(context.Shape(value)), shape: context.Shape(value).ToArray());

    /// <summary>The arena place of a computed value as <paramref name="type"/>: itself, or a Cast step's output.</summary>
    public static ArenaSlice Converted(LoweringContext context, string source, string value, ElementType type)
    {
        if (context.Graph[value].Type == type) return context.Slice(value);
        var converted = Temporary(context, value, type, type.ToString());
        context.Add(Conversion.Of($"{source}: '{value}' as {type}", context.Slice(value), converted));
        return converted;
    }
}
