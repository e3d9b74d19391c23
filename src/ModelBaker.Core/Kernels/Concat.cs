using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>One input of a <see cref="Concat"/> step: a tensor in the arena or baked-in data, copied in blocks.</summary>
public sealed class ConcatPart
{
    public ConcatPart(ArenaSlice? slice, Array? constant, int blockLength)
    {
        if ((slice == null) == (constant == null)) throw new ArgumentException("A part is either a tensor or a constant.");
        Slice = slice;
        Constant = constant;
        BlockLength = blockLength;
    }

    public ArenaSlice? Slice { get; }
    public Array? Constant { get; }
    /// <summary>Elements per block: the input's extent along the axis × the elements after the axis.</summary>
    public int BlockLength { get; }
    public int Length => Slice?.Length ?? Constant!.Length;
}

/// <summary>
/// Concat along one axis, any element type: the output is [outer blocks] × [the inputs' blocks side by side], so each
/// input is one loop of block copies into its columns of the output. Also writes constant graph outputs (one part,
/// one block). In int8 plans it becomes <see cref="ConcatInt8"/>, which requantizes inputs whose scales differ.
/// </summary>
public sealed class Concat : FloatKernel, IDifferentiable
{
    public Concat(string source, IReadOnlyList<ConcatPart> parts, ArenaSlice output) : base(source)
    {
        Parts = parts;
        Output = output;
    }

    public IReadOnlyList<ConcatPart> Parts { get; }
    public override ArenaSlice Output { get; }
    /// <summary>Elements between the starts of two output blocks: the sum of the parts' block lengths.</summary>
    public int OutputStride => Parts.Sum(p => p.BlockLength);

    public int OffsetOf(int part) => Parts.Take(part).Sum(p => p.BlockLength);

    public override Kernel Quantize(QuantizationContext q) =>
        Output.Type == ElementType.Float32 ? ConcatInt8.From(this, q) : this;

    public override KernelKind Kind => KernelKind.Concat;
    public override IEnumerable<ArenaSlice> Reads => Parts.Where(p => p.Slice != null).Select(p => p.Slice!);
    public override int WeightBytes => Parts.Sum(p => p.Constant == null ? 0 : p.Constant.Length * Arenas.Size(TypedArrays.TypeOf(p.Constant)));
    public override IEnumerable<string> Helpers => new[] { nameof(Concat) };

    public override void Run(PlanArena arena)
    {
        int stride = OutputStride;
        for (int i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            var output = arena.Array(Output.Type);
            var input = part.Constant ?? arena.Array(part.Slice!.Type);
            int inputOffset = part.Slice?.Offset ?? 0;
            switch (output) // byte[] before sbyte[]: the runtime lets one pass for the other
            {
                case float[] o: CopyBlocks<float>(new ReadOnlySpan<float>((float[])input, inputOffset, part.Length), part.BlockLength, new Span<float>(o, Output.Offset, Output.Length), OffsetOf(i), stride); break;
                case byte[] o when o.GetType() == typeof(byte[]): CopyBlocks<byte>(new ReadOnlySpan<byte>((byte[])input, inputOffset, part.Length), part.BlockLength, new Span<byte>(o, Output.Offset, Output.Length), OffsetOf(i), stride); break;
                case sbyte[] o: CopyBlocks<sbyte>(new ReadOnlySpan<sbyte>((sbyte[])input, inputOffset, part.Length), part.BlockLength, new Span<sbyte>(o, Output.Offset, Output.Length), OffsetOf(i), stride); break;
                case int[] o: CopyBlocks<int>(new ReadOnlySpan<int>((int[])input, inputOffset, part.Length), part.BlockLength, new Span<int>(o, Output.Offset, Output.Length), OffsetOf(i), stride); break;
                case long[] o: CopyBlocks<long>(new ReadOnlySpan<long>((long[])input, inputOffset, part.Length), part.BlockLength, new Span<long>(o, Output.Offset, Output.Length), OffsetOf(i), stride); break;
                case bool[] o: CopyBlocks<bool>(new ReadOnlySpan<bool>((bool[])input, inputOffset, part.Length), part.BlockLength, new Span<bool>(o, Output.Offset, Output.Length), OffsetOf(i), stride); break;
            }
        }
    }

    // <emit>
    /// <summary>Copies consecutive blocks of <paramref name="input"/> to every <paramref name="outputStride"/>-th place of the output, from <paramref name="outputOffset"/>.</summary>
    public static void CopyBlocks<T>(ReadOnlySpan<T> input, int blockLength, Span<T> output, int outputOffset, int outputStride)
    {
        if (blockLength == 0) return;
        for (int i = 0, o = outputOffset; i < input.Length; i += blockLength, o += outputStride)
            input.Slice(i, blockLength).CopyTo(output.Slice(o, blockLength));
    }
    // </emit>

    // <emit Nano>
    /// <summary>CopyBlocks on int8 arrays: <paramref name="length"/> input values from <paramref name="inputOffset"/>.</summary>
    public static void CopyBlocks(sbyte[] input, int inputOffset, int length, int blockLength, sbyte[] output, int outputOffset, int outputStride)
    {
        if (blockLength == 0) return;
        for (int i = 0, o = outputOffset; i < length; i += blockLength, o += outputStride)
            Array.Copy(input, inputOffset + i, output, o, blockLength);
    }
    // </emit>

    /// <summary>Int8 tensors only (ConcatInt8 copies with this block); other element types have no nanoFramework flavour.</summary>
    public override IEnumerable<string>? NanoHelpers => null;

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Parts.Count);
        foreach (var part in Parts)
        {
            w.Byte(part.Constant != null ? (byte)1 : (byte)0);
            if (part.Constant != null) TypedArrays.Write(w, part.Constant); else w.Slice(part.Slice!);
            w.Int(part.BlockLength);
        }
        w.Slice(Output);
    }

    public static Concat Read(PlanBinaryReader r, string source)
    {
        int count = r.Int();
        var parts = new List<ConcatPart>();
        for (int i = 0; i < count; i++)
        {
            bool constant = r.Byte() == 1;
            parts.Add(constant ? new ConcatPart(null, TypedArrays.Read(r), r.Int()) : new ConcatPart(r.Slice(), null, r.Int()));
        }
        return new Concat(source, parts, r.Slice());
    }

    public override void EmitCall(CodeWriter code, string name)
    {
        string type = Arenas.CSharpType(Output.Type);
        for (int i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            string input = part.Constant != null ? $"{name}Part{i}" : part.Slice!.Expression(code);
            code.Line($"CopyBlocks<{type}>({input}, blockLength: {part.BlockLength}, {Output.Expression(code)}, outputOffset: {OffsetOf(i)}, outputStride: {OutputStride});");
        }
    }

    public override void EmitData(CodeWriter code, string name)
    {
        for (int i = 0; i < Parts.Count; i++)
            if (Parts[i].Constant != null) TypedArrays.Emit(code, $"{name}Part{i}", Parts[i].Constant!, $"constant input {i}");
    }

    /// <summary>Concat: each tensor part gets back its columns of every output block (constant parts have no gradient).</summary>
    public string? NoGradient => Output.Type == ElementType.Float32 ? null : $"it joins {Output.Type} tensors";

    public void Backward(float[][] inputs, float[] forwardOutput, double[] output, double[][] inputGradients)
    {
        int stride = OutputStride, next = 0;
        for (int part = 0; part < Parts.Count; part++)
        {
            if (Parts[part].Slice == null) continue;
            var gradient = inputGradients[next++]; // Reads lists the tensor parts in order
            int block = Parts[part].BlockLength, offset = OffsetOf(part);
            for (int b = 0; b * block < gradient.Length; b++)
                for (int j = 0; j < block; j++) gradient[b * block + j] += output[b * stride + offset + j];
        }
    }
}
