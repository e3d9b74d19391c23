using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>The reductions of the Reduce* kernels. Numbers are stored in plans.</summary>
public enum ReduceOperation { Mean = 0, Max = 1, Sum = 2, SumSquare = 3, Min = 4, Product = 5 }

/// <summary>
/// ReduceMean, ReduceMax, ReduceSum, ReduceSumSquare, ReduceMin or ReduceProd over any set of axes, of floats (and, for sums, int32 or int64, wrapping). Output element o (row-major over the kept dimensions)
/// reduces input[base(o) + offset] for every offset of <see cref="ReducedOffsets"/>, where base(o) walks the kept
/// dimensions with the input's strides: both precomputed at bake time, so the loop needs no scratch memory.
/// </summary>
public class ReduceFloat : FloatKernel
{
    /// <summary>The step for <paramref name="operation"/>: a product has no int8 form (<see cref="ReduceProductFloat"/>).</summary>
    public static ReduceFloat Create(string source, ReduceOperation operation, int[] keptShape, int[] keptStrides, int[] reducedOffsets,
        ArenaSlice input, ArenaSlice output) =>
        operation == ReduceOperation.Product
            ? new ReduceProductFloat(source, keptShape, keptStrides, reducedOffsets, input, output)
            : new ReduceFloat(source, operation, keptShape, keptStrides, reducedOffsets, input, output);

    protected ReduceFloat(string source, ReduceOperation operation, int[] keptShape, int[] keptStrides, int[] reducedOffsets,
        ArenaSlice input, ArenaSlice output) : base(source)
    {
        Operation = operation;
        KeptShape = keptShape;
        KeptStrides = keptStrides;
        ReducedOffsets = reducedOffsets;
        Input = input;
        Output = output;
    }

    public ReduceOperation Operation { get; }
    /// <summary>The dimensions not reduced, in order (their product is the output length).</summary>
    public int[] KeptShape { get; }
    /// <summary>The input's strides of those dimensions.</summary>
    public int[] KeptStrides { get; }
    /// <summary>Offsets, from an output element's base, of the input elements reduced into it.</summary>
    public int[] ReducedOffsets { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    /// <summary>The kept and reduced layout of <paramref name="shape"/> for the given reduced axes.</summary>
    public static (int[] KeptShape, int[] KeptStrides, int[] ReducedOffsets) Layout(int[] shape, bool[] reduced)
    {
        var strides = Ir.ShapeMath.Strides(shape);
        var keptShape = new List<int>();
        var keptStrides = new List<int>();
        var offsets = new List<int> { 0 };
        for (int d = 0; d < shape.Length; d++)
        {
            if (!reduced[d]) { keptShape.Add(shape[d]); keptStrides.Add(strides[d]); continue; }
            var next = new List<int>(offsets.Count * shape[d]);
            foreach (int offset in offsets)
                for (int i = 0; i < shape[d]; i++) next.Add(offset + i * strides[d]);
            offsets = next;
        }
        return (keptShape.ToArray(), keptStrides.ToArray(), offsets.ToArray());
    }

    /// <summary>Integer sums stay as they are in int8 plans.</summary>
    public override Kernel Quantize(Quantization.QuantizationContext context) =>
        Input.Type == Ir.ElementType.Float32 ? ReduceInt8.From(this, context) : this;

    public override KernelKind Kind => KernelKind.ReduceFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (KeptShape.Length + KeptStrides.Length + ReducedOffsets.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ReduceFloat) };

    public override void Run(PlanArena arena)
    {
        switch (Input.Type)
        {
            case Ir.ElementType.Float32: Reduce((int)Operation, arena.Floats(Input), KeptShape, KeptStrides, ReducedOffsets, arena.Floats(Output)); break;
            case Ir.ElementType.Int32: Sum(arena.Of<int>(Input), KeptShape, KeptStrides, ReducedOffsets, arena.Of<int>(Output)); break;
            default: Sum(arena.Of<long>(Input), KeptShape, KeptStrides, ReducedOffsets, arena.Of<long>(Output)); break;
        }
    }

    // <emit>
    /// <summary>Float reduction of each output element's input elements: 0 mean, 1 max, 2 sum, 3 sum of squares, 4 min, 5 product.</summary>
    public static void Reduce(int operation, ReadOnlySpan<float> input, ReadOnlySpan<int> keptShape, ReadOnlySpan<int> keptStrides,
        ReadOnlySpan<int> reducedOffsets, Span<float> output)
    {
        for (int o = 0; o < output.Length; o++)
        {
            int start = ReductionStart(o, keptShape, keptStrides);
            if (operation == 1 || operation == 4)
            {
                // The largest (1) or smallest (4) element; a NaN wins.
                float extreme = operation == 1 ? float.NegativeInfinity : float.PositiveInfinity;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    float x = input[start + reducedOffsets[k]];
                    if ((operation == 1 ? x > extreme : x < extreme) || float.IsNaN(x)) extreme = x;
                    if (float.IsNaN(extreme)) break;
                }
                output[o] = extreme;
            }
            else if (operation == 5)
            {
                float product = 1f;
                for (int k = 0; k < reducedOffsets.Length; k++) product *= input[start + reducedOffsets[k]];
                output[o] = product;
            }
            else
            {
                float sum = 0f;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    float x = input[start + reducedOffsets[k]];
                    sum += operation == 3 ? x * x : x;
                }
                output[o] = operation == 0 ? sum / reducedOffsets.Length : sum;
            }
        }
    }

    /// <summary>The start of output element <paramref name="o"/>'s elements in the input.</summary>
    public static int ReductionStart(int o, ReadOnlySpan<int> keptShape, ReadOnlySpan<int> keptStrides)
    {
        int start = 0;
        for (int d = keptShape.Length - 1; d >= 0; d--)
        {
            start += o % keptShape[d] * keptStrides[d];
            o /= keptShape[d];
        }
        return start;
    }

    /// <summary>Int32 sum of each output element's input elements, wrapping like numpy.</summary>
    public static void Sum(ReadOnlySpan<int> input, ReadOnlySpan<int> keptShape, ReadOnlySpan<int> keptStrides, ReadOnlySpan<int> reducedOffsets, Span<int> output)
    {
        for (int o = 0; o < output.Length; o++)
        {
            int start = ReductionStart(o, keptShape, keptStrides), sum = 0;
            for (int k = 0; k < reducedOffsets.Length; k++) sum = unchecked(sum + input[start + reducedOffsets[k]]);
            output[o] = sum;
        }
    }

    /// <summary>Int64 sum of each output element's input elements, wrapping like numpy.</summary>
    public static void Sum(ReadOnlySpan<long> input, ReadOnlySpan<int> keptShape, ReadOnlySpan<int> keptStrides, ReadOnlySpan<int> reducedOffsets, Span<long> output)
    {
        for (int o = 0; o < output.Length; o++)
        {
            int start = ReductionStart(o, keptShape, keptStrides);
            long sum = 0;
            for (int k = 0; k < reducedOffsets.Length; k++) sum = unchecked(sum + input[start + reducedOffsets[k]]);
            output[o] = sum;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Operation); w.Ints(KeptShape); w.Ints(KeptStrides); w.Ints(ReducedOffsets); w.Slice(Input); w.Slice(Output);
    }

    public static ReduceFloat Read(PlanBinaryReader r, string source) =>
        Create(source, (ReduceOperation)r.Byte(), r.Ints(), r.Ints(), r.Ints(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) => code.Line(Input.Type != Ir.ElementType.Float32
        ? $"Sum({Input.Expression(code)}, {name}KeptShape, {name}KeptStrides, {name}ReducedOffsets, {Output.Expression(code)});"
        : $"Reduce({(int)Operation} /* {Operation} */, {Input.Expression(code)}, {name}KeptShape, {name}KeptStrides, {name}ReducedOffsets, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}KeptShape", KeptShape, "dimensions not reduced");
        EmitArrays.Ints(code, $"{name}KeptStrides", KeptStrides, "input strides of the dimensions not reduced");
        EmitArrays.Ints(code, $"{name}ReducedOffsets", ReducedOffsets, "offsets of the elements reduced into one output element");
    }
}

/// <summary>
/// ReduceProd: a product of any number of elements spans more orders of magnitude than one int8 scale covers, so an
/// int8 plan runs it in float, in a float island, and the nanoFramework flavour refuses it (MB1135).
/// </summary>
public sealed class ReduceProductFloat : ReduceFloat, IFloatOnlyKernel
{
    internal ReduceProductFloat(string source, int[] keptShape, int[] keptStrides, int[] reducedOffsets, ArenaSlice input, ArenaSlice output)
        : base(source, ReduceOperation.Product, keptShape, keptStrides, reducedOffsets, input, output)
    {
    }

    public string FloatOnlyReason => "a product of its elements spans more orders of magnitude than one int8 scale covers";

    public override Kernel Quantize(Quantization.QuantizationContext context) =>
        throw new InvalidOperationException($"{Source}: {nameof(ReduceProductFloat)} runs in a float island of an int8 plan; it has no int8 form.");
}
