using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using TElement = System.Int64;
using TWide = System.Int64;

namespace ModelBaker.Core.Kernels;

/// <summary>The reductions of the Reduce* kernels. Numbers are stored in plans.</summary>
public enum ReduceOperation { Mean = 0, Max = 1, Sum = 2, SumSquare = 3, Min = 4, Product = 5 }

/// <summary>
/// ReduceMean, ReduceMax, ReduceSum, ReduceSumSquare, ReduceMin or ReduceProd over any set of axes, of floats or integers
/// (<see cref="ReduceIntegers{T}"/>: wrapping to the type, unsigned ones unsigned). Output element o (row-major over the kept dimensions)
/// reduces input[base(o) + offset] for every offset of <see cref="ReducedOffsets"/>, where base(o) walks the kept
/// dimensions with the input's strides: both precomputed at bake time, so the loop needs no scratch memory.
/// </summary>
public class ReduceFloat : FloatKernel
{
    /// <summary>The step for <paramref name="operation"/>: a product has no int8 form (<see cref="ReduceProductFloat"/>).</summary>
    public static ReduceFloat Create(string source, ReduceOperation operation, int[] keptShape, int[] keptStrides, int[] reducedOffsets,
        ArenaSlice input, ArenaSlice output) =>
        operation == ReduceOperation.Product && input.Type == Ir.ElementType.Float32
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
            case Ir.ElementType.Int8: RunIntegers<sbyte>(arena); break;
            case Ir.ElementType.UInt8: RunIntegers<byte>(arena); break;
            case Ir.ElementType.Int16: RunIntegers<short>(arena); break;
            case Ir.ElementType.UInt16: RunIntegers<ushort>(arena); break;
            case Ir.ElementType.Int32: RunIntegers<int>(arena); break;
            case Ir.ElementType.UInt32: RunIntegers<uint>(arena); break;
            case Ir.ElementType.Int64: RunIntegers<long>(arena); break;
            case Ir.ElementType.UInt64: RunIntegers<ulong>(arena); break;
            default: throw new InvalidOperationException($"{Source}: a reduction of {Input.Type} has no step.");
        }
    }

    private void RunIntegers<T>(PlanArena arena) where T : struct =>
        ReduceIntegers((int)Operation, Bits, Unsigned, arena.Of<T>(Input), KeptShape, KeptStrides, ReducedOffsets, arena.Of<T>(Output));

    /// <summary>The integer input's width in bits.</summary>
    private int Bits => 8 * Arenas.Size(Input.Type);

    private bool Unsigned => Input.Type is Ir.ElementType.UInt8 or Ir.ElementType.UInt16 or Ir.ElementType.UInt32 or Ir.ElementType.UInt64;

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

    /// <summary>
    /// Integer reduction of each output element's input elements (operations as <see cref="Reduce"/>'s), on 64-bit words:
    /// <paramref name="bits"/>-bit values sign-extended, or zero-extended when <paramref name="unsigned"/> (a uint64 is its
    /// bit pattern). Sums, sums of squares and products wrap to the type (64-bit wrapping narrowed is wrapping in the
    /// type); max and min compare unsigned types unsigned; the mean is the 64-bit sum divided by the count, truncated — no
    /// overflow below 64 bits, as ONNX Runtime's int32 ReduceMean (mean of 2^31 − 1, 1 and 5 is 715,827,884). An empty reduction gives 0 (sum, mean), 1 (product) or the type's
    /// smallest (max) or largest (min) value.
    /// </summary>
    public static void ReduceIntegers<T>(int operation, int bits, bool unsigned, ReadOnlySpan<T> input, ReadOnlySpan<int> keptShape,
        ReadOnlySpan<int> keptStrides, ReadOnlySpan<int> reducedOffsets, Span<T> output) where T : struct
    {
        int spare = 64 - bits;
        for (int o = 0; o < output.Length; o++)
        {
            int start = ReductionStart(o, keptShape, keptStrides);
            ulong result;
            if (operation == 1 || operation == 4)
            {
                bool largest = operation == 1;
                result = unsigned ? (largest ? 0UL : ulong.MaxValue >> spare)
                    : unchecked((ulong)((largest ? long.MinValue : long.MaxValue) >> spare));
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    ulong x = IntegerWord(input, start + reducedOffsets[k]);
                    bool above = unsigned ? x > result : unchecked((long)x > (long)result);
                    bool below = unsigned ? x < result : unchecked((long)x < (long)result);
                    if (largest ? above : below) result = x;
                }
            }
            else
            {
                result = operation == 5 ? 1UL : 0UL;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    ulong x = IntegerWord(input, start + reducedOffsets[k]);
                    result = unchecked(operation == 5 ? result * x : operation == 3 ? result + x * x : result + x);
                }
                if (operation == 0)
                {
                    // The 64-bit sum (exact for types of up to 32 bits), divided: a mean always fits its type.
                    ulong count = (ulong)reducedOffsets.Length;
                    result = count == 0 ? 0UL : unsigned ? result / count : unchecked((ulong)((long)result / (long)count));
                }
            }
            SetIntegerWord(output, o, result);
        }
    }

    /// <summary>Element <paramref name="i"/> of an integer span as a 64-bit word, sign- or zero-extended by its type (the JIT keeps only T's branch).</summary>
    public static ulong IntegerWord<T>(ReadOnlySpan<T> values, int i) where T : struct => unchecked(
        typeof(T) == typeof(sbyte) ? (ulong)System.Runtime.InteropServices.MemoryMarshal.Cast<T, sbyte>(values)[i]
        : typeof(T) == typeof(byte) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, byte>(values)[i]
        : typeof(T) == typeof(short) ? (ulong)System.Runtime.InteropServices.MemoryMarshal.Cast<T, short>(values)[i]
        : typeof(T) == typeof(ushort) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, ushort>(values)[i]
        : typeof(T) == typeof(int) ? (ulong)System.Runtime.InteropServices.MemoryMarshal.Cast<T, int>(values)[i]
        : typeof(T) == typeof(uint) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, uint>(values)[i]
        : typeof(T) == typeof(long) ? (ulong)System.Runtime.InteropServices.MemoryMarshal.Cast<T, long>(values)[i]
        : System.Runtime.InteropServices.MemoryMarshal.Cast<T, ulong>(values)[i]);

    /// <summary>Element <paramref name="i"/> of an integer span set to a 64-bit word narrowed to its type.</summary>
    public static void SetIntegerWord<T>(Span<T> values, int i, ulong word) where T : struct
    {
        unchecked
        {
            if (typeof(T) == typeof(sbyte)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, sbyte>(values)[i] = (sbyte)word;
            else if (typeof(T) == typeof(byte)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, byte>(values)[i] = (byte)word;
            else if (typeof(T) == typeof(short)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, short>(values)[i] = (short)word;
            else if (typeof(T) == typeof(ushort)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, ushort>(values)[i] = (ushort)word;
            else if (typeof(T) == typeof(int)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, int>(values)[i] = (int)word;
            else if (typeof(T) == typeof(uint)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, uint>(values)[i] = (uint)word;
            else if (typeof(T) == typeof(long)) System.Runtime.InteropServices.MemoryMarshal.Cast<T, long>(values)[i] = (long)word;
            else System.Runtime.InteropServices.MemoryMarshal.Cast<T, ulong>(values)[i] = word;
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Integer reduction of TypeName arrays (nanoFramework has no generics: a per-type template, Codegen/NanoTypeTemplate),
    /// computed in the type as the .NET flavour's ReduceIntegers computes on words: sums, sums of squares and products
    /// wrap to the type, max and min compare unsigned types unsigned, the mean is the wrapped sum divided by the count
    /// (truncated, 0 for no elements).
    /// </summary>
    public static void ReduceIntegersTypeName(int operation, TElement[] input, int inputOffset, int[] keptShape, int[] keptStrides,
        int[] reducedOffsets, TElement[] output, int outputOffset, int outputLength)
    {
        for (int o = 0; o < outputLength; o++)
        {
            int start = inputOffset, rest = o;
            for (int d = keptShape.Length - 1; d >= 0; d--)
            {
                start += rest % keptShape[d] * keptStrides[d];
                rest /= keptShape[d];
            }
            TElement result;
            if (operation == 1 || operation == 4)
            {
                bool largest = operation == 1;
                result = largest ? TElement.MinValue : TElement.MaxValue;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    TElement x = input[start + reducedOffsets[k]];
                    if (largest ? x > result : x < result) result = x;
                }
            }
            else
            {
                result = 0;
                if (operation == 5) result = 1;
                TWide sum = 0;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    TElement x = input[start + reducedOffsets[k]];
                    result = unchecked((TElement)(operation == 5 ? result * x : operation == 3 ? result + x * x : result + x));
                    sum = unchecked(sum + (TWide)x);
                }
                // The mean divides the 64-bit sum (no overflow below 64 bits), as the .NET flavour does.
                if (operation == 0)
                    result = reducedOffsets.Length == 0 ? result : unchecked((TElement)(sum / (TWide)reducedOffsets.Length));
            }
            output[outputOffset + o] = result;
        }
    }
    // </emit>

    /// <summary>Integer inputs; float ones have no nanoFramework flavour (int8 plans make them a <see cref="ReduceInt8"/>).</summary>
    public override IEnumerable<string>? NanoHelpers => Input.Type != Ir.ElementType.Float32
        ? new[] { NanoTypeTemplate.Helper(nameof(ReduceFloat) + "#Nano", Arenas.MethodSuffix(Input.Type)) }
        : null;

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"ReduceIntegers{Arenas.MethodSuffix(Input.Type)}({(int)Operation} /* {Operation} */, {Input.NanoArguments(code)}, {name}KeptShape, " +
                  $"{name}KeptStrides, {name}ReducedOffsets, {Output.NanoArguments(code)}, outputLength: {Output.Length});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Operation); w.Ints(KeptShape); w.Ints(KeptStrides); w.Ints(ReducedOffsets); w.Slice(Input); w.Slice(Output);
    }

    public static ReduceFloat Read(PlanBinaryReader r, string source) =>
        Create(source, (ReduceOperation)r.Byte(), r.Ints(), r.Ints(), r.Ints(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) => code.Line(Input.Type != Ir.ElementType.Float32
        ? $"ReduceIntegers<{Arenas.CSharpType(Input.Type)}>({(int)Operation} /* {Operation} */, bits: {Bits}, unsigned: {(Unsigned ? "true" : "false")}, " +
          $"{Input.Expression(code)}, {name}KeptShape, {name}KeptStrides, {name}ReducedOffsets, {Output.Expression(code)});"
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
