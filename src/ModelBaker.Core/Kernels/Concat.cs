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
        switch (Output.Type)
        {
            case ElementType.Float32: Run<float>(arena); break;
            case ElementType.Int8: Run<sbyte>(arena); break;
            case ElementType.UInt8: Run<byte>(arena); break;
            case ElementType.Int16: Run<short>(arena); break;
            case ElementType.UInt16: Run<ushort>(arena); break;
            case ElementType.Int32: Run<int>(arena); break;
            case ElementType.UInt32: Run<uint>(arena); break;
            case ElementType.Int64: Run<long>(arena); break;
            case ElementType.UInt64: Run<ulong>(arena); break;
            case ElementType.Bool: Run<bool>(arena); break;
            default: throw new InvalidOperationException($"{Source}: Concat of {Output.Type} has no step.");
        }
    }

    private void Run<T>(PlanArena arena)
    {
        var output = arena.Of<T>(Output);
        for (int i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            ReadOnlySpan<T> input = part.Constant != null ? (T[])part.Constant : arena.Of<T>(part.Slice!);
            CopyBlocks(input, part.BlockLength, output, OffsetOf(i), OutputStride);
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
    /// <summary>
    /// CopyBlocks on arrays of any one element type (Array.Copy copies any): <paramref name="length"/> input values from
    /// <paramref name="inputOffset"/>.
    /// </summary>
    public static void CopyBlocks(Array input, int inputOffset, int length, int blockLength, Array output, int outputOffset, int outputStride)
    {
        if (blockLength == 0) return;
        for (int i = 0, o = outputOffset; i < length; i += blockLength, o += outputStride)
            Array.Copy(input, inputOffset + i, output, o, blockLength);
    }
    // </emit>

    /// <summary>Integer and bool tensors (ConcatInt8 copies int8 ones with the same block); float ones have no nanoFramework flavour.</summary>
    public override IEnumerable<string>? NanoHelpers => Output.Type != ElementType.Float32 ? new[] { nameof(Concat) + "#Nano" } : null;

    public override void EmitNanoCall(CodeWriter code, string name)
    {
        for (int i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            string input = part.Constant != null ? $"{name}Part{i}, 0" : part.Slice!.NanoArguments(code);
            string offset = OffsetOf(i) == 0 ? Output.NanoOffset(code) : $"{Output.NanoOffset(code)} + {OffsetOf(i)}";
            code.Line($"CopyBlocks({input}, length: {part.Length}, blockLength: {part.BlockLength}, {Arenas.Name(Output.Type)}, outputOffset: {offset}, outputStride: {OutputStride});");
        }
    }

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
