using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.LinearQuantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX QuantizeLinear whose per-tensor scale and zero point are computed at run time (DynamicQuantizeLinear's form:
/// min and max of the input, then QuantizeLinear): y = saturate(round(x / scale) + zero point) into int8 or uint8, x /
/// scale in float32, rounding half to even, as <see cref="LinearQuantization"/> does with constant parameters.
/// </summary>
public sealed class RunTimeQuantization : FloatKernel
{
    public RunTimeQuantization(string source, ArenaSlice input, ArenaSlice scale, ArenaSlice? zeroPoint, ArenaSlice output) : base(source)
    {
        if (output.Type is not (ElementType.Int8 or ElementType.UInt8))
            throw new ArgumentOutOfRangeException(nameof(output), output.Type, "QuantizeLinear writes int8 or uint8.");
        if (scale.Length != 1 || zeroPoint is { Length: not 1 })
            throw new ArgumentException("A scale and zero point computed at run time are one value each (per tensor).");
        Input = input;
        Scale = scale;
        ZeroPoint = zeroPoint;
        Output = output;
    }

    public ArenaSlice Input { get; }
    public ArenaSlice Scale { get; }
    /// <summary>The zero point (of the output's type); null: 0.</summary>
    public ArenaSlice? ZeroPoint { get; }
    public override ArenaSlice Output { get; }

    /// <summary>A quantization decided at run time has no int8-plan counterpart (the plan's own quantization is fixed at bake time).</summary>
    public override Kernel Quantize(QuantizationContext q) => throw LinearQuantization.NotQuantizable(Source, "QuantizeLinear");

    public override KernelKind Kind => KernelKind.RunTimeQuantization;
    public override IEnumerable<ArenaSlice> Reads => ZeroPoint is { } z ? new[] { Input, Scale, z } : new[] { Input, Scale };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(RunTimeQuantization), nameof(LinearQuantization), nameof(ScaleLayout) };

    private bool Signed => Output.Type == ElementType.Int8;

    public override void Run(PlanArena arena)
    {
        int zeroPoint = RunTimeZeroPoint.Read(arena, ZeroPoint, 0);
        var output = Signed ? System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(arena.Int8s(Output)) : arena.Of<byte>(Output);
        QuantizeAtRunTime(arena.Floats(Input), arena.Floats(Scale)[0], zeroPoint, Signed ? -128 : 0, Signed ? 127 : 255, output);
    }

    // <emit>
    /// <summary>
    /// QuantizeLinear with a scale and zero point computed at run time: saturate(round half to even(x / scale) + zero
    /// point) into [min, max]; an int8 result is stored as its byte pattern. NaN (as x / 0 of a zero scale gives for 0) becomes the zero point.
    /// </summary>
    public static void QuantizeAtRunTime(ReadOnlySpan<float> x, float scale, int zeroPoint, int min, int max, Span<byte> y)
    {
        for (int e = 0; e < x.Length; e++) y[e] = QuantizeElement(x[e], scale, zeroPoint, min, max);
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Scale); w.OptionalSlice(ZeroPoint); w.Slice(Output);
    }

    public static RunTimeQuantization Read(PlanBinaryReader r, string source) => new(source, r.Slice(), r.Slice(), r.OptionalSlice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name)
    {
        string zeroPoint = RunTimeZeroPoint.Expression(code, ZeroPoint, 0);
        string output = Signed ? $"System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>({Output.Expression(code)})" : Output.Expression(code);
        code.Line($"QuantizeAtRunTime({Input.Expression(code)}, {Scale.Expression(code)}[0], {zeroPoint}, min: {(Signed ? -128 : 0)}, max: {(Signed ? 127 : 255)}, {output});");
    }

    /// <summary>No data: the parameters are in the arena.</summary>
    public override void EmitData(CodeWriter code, string name) { }
}

/// <summary>
/// A zero point that is a constant, or one int8 or uint8 value an earlier step computes at run time (DynamicQuantizeLinear's):
/// how kernels read and emit it.
/// </summary>
public static class RunTimeZeroPoint
{
    /// <summary>The value in <paramref name="slice"/>, else <paramref name="constant"/>.</summary>
    public static int Read(PlanArena arena, ArenaSlice? slice, int constant) =>
        slice == null ? constant : slice.Type == ElementType.Int8 ? arena.Int8s(slice)[0] : arena.Of<byte>(slice)[0];

    /// <summary>The C# expression of the zero point: the constant, or the slice's one element.</summary>
    public static string Expression(CodeWriter code, ArenaSlice? slice, int constant) =>
        slice == null ? constant.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{slice.Expression(code)}[0]";
}
