using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>One input of a <see cref="ConcatInt8"/> step and how its int8 values map to the output's parameters.</summary>
public sealed class ConcatInt8Part
{
    public ConcatInt8Part(ArenaSlice? slice, sbyte[]? constant, int blockLength, bool requantize, int zeroPoint, int multiplier, int shift)
    {
        if ((slice == null) == (constant == null)) throw new ArgumentException("A part is either a tensor or a constant.");
        Slice = slice;
        Constant = constant;
        BlockLength = blockLength;
        Requantize = requantize;
        ZeroPoint = zeroPoint;
        Multiplier = multiplier;
        Shift = shift;
    }

    public ArenaSlice? Slice { get; }
    /// <summary>Baked-in data, already quantized with the output's parameters.</summary>
    public sbyte[]? Constant { get; }
    public int BlockLength { get; }
    /// <summary>False when the input has the output's parameters: then its blocks are copied as they are.</summary>
    public bool Requantize { get; }
    public int ZeroPoint { get; }
    public int Multiplier { get; }
    public int Shift { get; }
    public int Length => Slice?.Length ?? Constant!.Length;
}

/// <summary>
/// Int8 Concat: the output has its calibrated parameters (its range is the union of the inputs'); an input with the
/// same parameters is copied block by block, any other is requantized exactly on the way
/// (q_out = z_out + round((q_in − z_in) · s_in / s_out), saturated), and constants are quantized at bake time.
/// </summary>
public sealed class ConcatInt8 : Int8Kernel
{
    public ConcatInt8(string source, IReadOnlyList<ConcatInt8Part> parts, int outputZeroPoint, ArenaSlice output) : base(source)
    {
        Parts = parts;
        OutputZeroPoint = outputZeroPoint;
        Output = output;
    }

    public IReadOnlyList<ConcatInt8Part> Parts { get; }
    public int OutputZeroPoint { get; }
    public override ArenaSlice Output { get; }
    public int OutputStride => Parts.Sum(p => p.BlockLength);
    public int OffsetOf(int part) => Parts.Take(part).Sum(p => p.BlockLength);

    public static ConcatInt8 From(Concat concat, QuantizationContext q)
    {
        var output = q.Parameters(concat.Output);
        var parts = concat.Parts.Select(part =>
        {
            if (part.Constant != null)
            {
                var quantized = ((float[])part.Constant).Select(v => Quantize(v, output.Scale, output.ZeroPoint)).ToArray();
                return new ConcatInt8Part(null, quantized, part.BlockLength, false, 0, 0, 0);
            }
            var input = q.Parameters(part.Slice!);
            bool same = input.Scale == output.Scale && input.ZeroPoint == output.ZeroPoint;
            var (multiplier, shift) = same ? (0, 0) : QuantizeMultiplier(input.Scale / output.Scale);
            return new ConcatInt8Part(q.Slice(part.Slice!), null, part.BlockLength, !same, input.ZeroPoint, multiplier, shift);
        }).ToList();
        return new ConcatInt8(concat.Source, parts, output.ZeroPoint, q.Slice(concat.Output));
    }

    public override KernelKind Kind => KernelKind.ConcatInt8;
    public override IEnumerable<ArenaSlice> Reads => Parts.Where(p => p.Slice != null).Select(p => p.Slice!);
    public override int WeightBytes => Parts.Sum(p => p.Constant?.Length ?? 0);
    public override IEnumerable<string> Helpers => new[] { nameof(Concat), nameof(ConcatInt8), nameof(FixedPoint) };

    public override void Run(PlanArena arena)
    {
        var output = arena.Int8s(Output);
        for (int i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            ReadOnlySpan<sbyte> input = part.Constant ?? arena.Int8s(part.Slice!);
            if (part.Requantize)
                RequantizeBlocks(input, part.BlockLength, output, OffsetOf(i), OutputStride, part.ZeroPoint, part.Multiplier, part.Shift, OutputZeroPoint);
            else
                Concat.CopyBlocks(input, part.BlockLength, output, OffsetOf(i), OutputStride);
        }
    }

    // <emit>
    /// <summary>
    /// Like CopyBlocks, but every value is requantized from the input's parameters to the output's:
    /// outputZeroPoint + (q − inputZeroPoint) · multiplier · 2^shift / 2^31, rounded and saturated to int8.
    /// </summary>
    public static void RequantizeBlocks(ReadOnlySpan<sbyte> input, int blockLength, Span<sbyte> output, int outputOffset, int outputStride,
        int inputZeroPoint, int multiplier, int shift, int outputZeroPoint)
    {
        if (blockLength == 0) return;
        for (int i = 0, o = outputOffset; i < input.Length; i += blockLength, o += outputStride)
        {
            for (int j = 0; j < blockLength; j++)
            {
                output[o + j] = Requantize(input[i + j] - inputZeroPoint, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>RequantizeBlocks on arrays: <paramref name="length"/> input values from <paramref name="inputOffset"/>.</summary>
    public static void RequantizeBlocks(sbyte[] input, int inputOffset, int length, int blockLength, sbyte[] output, int outputOffset, int outputStride,
        int inputZeroPoint, int multiplier, int shift, int outputZeroPoint)
    {
        if (blockLength == 0) return;
        for (int i = 0, o = outputOffset; i < length; i += blockLength, o += outputStride)
        {
            for (int j = 0; j < blockLength; j++)
            {
                output[o + j] = Requantize(input[inputOffset + i + j] - inputZeroPoint, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(Concat) + "#Nano", nameof(ConcatInt8) + "#Nano", nameof(FixedPoint) };

    public override void EmitNanoCall(CodeWriter code, string name)
    {
        for (int i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            string input = part.Constant != null ? $"{name}Part{i}, 0" : part.Slice!.NanoArguments(code);
            // The output's offset constant, so that it is used (nanoFramework builds warn on unused constants) and the call reads as what it writes.
            string offset = OffsetOf(i) == 0 ? Output.NanoOffset(code) : $"{Output.NanoOffset(code)} + {OffsetOf(i)}";
            string output = $"{Arenas.Name(Output.Type)}, outputOffset: {offset}, outputStride: {OutputStride}";
            if (part.Requantize)
                code.Line($"RequantizeBlocks({input}, length: {part.Length}, blockLength: {part.BlockLength}, {output},")
                    .Line($"    inputZeroPoint: {part.ZeroPoint}, multiplier: {part.Multiplier}, shift: {part.Shift}, outputZeroPoint: {OutputZeroPoint});");
            else
                code.Line($"CopyBlocks({input}, length: {part.Length}, blockLength: {part.BlockLength}, {output});");
        }
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Parts.Count);
        foreach (var part in Parts)
        {
            w.Byte(part.Constant != null ? (byte)1 : (byte)0);
            if (part.Constant != null) w.SBytes(part.Constant); else w.Slice(part.Slice!);
            w.Int(part.BlockLength);
            w.Byte(part.Requantize ? (byte)1 : (byte)0);
            w.Int(part.ZeroPoint); w.Int(part.Multiplier); w.Int(part.Shift);
        }
        w.Int(OutputZeroPoint);
        w.Slice(Output);
    }

    public static ConcatInt8 Read(PlanBinaryReader r, string source)
    {
        int count = r.Int();
        var parts = new List<ConcatInt8Part>();
        for (int i = 0; i < count; i++)
        {
            bool constant = r.Byte() == 1;
            ArenaSlice? slice = constant ? null : r.Slice();
            sbyte[]? data = constant ? r.SBytes() : null;
            parts.Add(new ConcatInt8Part(slice, data, r.Int(), r.Byte() == 1, r.Int(), r.Int(), r.Int()));
        }
        return new ConcatInt8(source, parts, r.Int(), r.Slice());
    }

    public override void EmitCall(CodeWriter code, string name)
    {
        for (int i = 0; i < Parts.Count; i++)
        {
            var part = Parts[i];
            string input = part.Constant != null ? $"{name}Part{i}" : part.Slice!.Expression(code);
            if (part.Requantize)
                code.Line($"RequantizeBlocks({input}, blockLength: {part.BlockLength}, {Output.Expression(code)}, outputOffset: {OffsetOf(i)}, outputStride: {OutputStride},")
                    .Line($"    inputZeroPoint: {part.ZeroPoint}, multiplier: {part.Multiplier}, shift: {part.Shift}, outputZeroPoint: {OutputZeroPoint});");
            else
                code.Line($"CopyBlocks<sbyte>({input}, blockLength: {part.BlockLength}, {Output.Expression(code)}, outputOffset: {OffsetOf(i)}, outputStride: {OutputStride});");
        }
    }

    public override void EmitData(CodeWriter code, string name)
    {
        for (int i = 0; i < Parts.Count; i++)
            if (Parts[i].Constant != null) EmitArrays.SBytes(code, $"{name}Part{i}", Parts[i].Constant!, $"constant input {i}, int8 with the output's parameters");
    }
}
