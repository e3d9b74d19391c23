using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// What a weighted int8 layer (fully connected, convolution, per-channel affine) does to each output channel's int32
/// accumulator, gemmlowp's "output stage": add the bias, requantize by the channel's multiplier and shift, add the
/// output zero point, clamp to the activation range (docs/compression.md, section 5). Stored as generated code stores it:
/// 16-bit biases where they fit (<see cref="Codegen.EmitArrays.ShortBiasShift"/>), Q15 multipliers as shorts, shifts as sbytes,
/// one shift for all channels when they share it.
/// </summary>
public sealed class OutputStage
{
    public OutputStage(int[] bias, int[] multipliers, int[] shifts, int zeroPoint, int activationMin, int activationMax)
    {
        Bias = bias;
        Multipliers = multipliers;
        Shifts = shifts;
        StoredMultipliers = MultiplierShorts(multipliers);
        StoredShifts = ShiftBytes(shifts);
        ZeroPoint = zeroPoint;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    /// <summary>int32 at input scale × weight scale, with −inputZeroPoint · Σ weights of the channel folded in.</summary>
    public int[] Bias { get; }
    /// <summary>Q31 multipliers whose low 16 bits are zero (Q15 values), one per channel or one for all.</summary>
    public int[] Multipliers { get; }
    public int[] Shifts { get; }
    /// <summary>As generated code stores them; the reference run passes the very same arrays.</summary>
    public short[] StoredMultipliers { get; }
    public sbyte[] StoredShifts { get; }
    /// <summary>The output's zero point.</summary>
    public int ZeroPoint { get; }
    public int ActivationMin { get; }
    public int ActivationMax { get; }

    public int Bytes => RequantizationBytes(Bias, Multipliers, Shifts);

    /// <summary>The parts of <see cref="Bytes"/>, for the report: biases (2 or 4 each), Q15 multipliers (2 each), shifts (1 each).</summary>
    public (int Bias, int Multipliers, int Shifts) ByteParts =>
        ((Codegen.EmitArrays.ShortBiasShift(Bias) < 0 ? 4 : 2) * Bias.Length, 2 * Multipliers.Length, Shifts.Length);

    /// <summary>The kernels' trailing scalar arguments, before the output.</summary>
    public string Arguments => $"outputZeroPoint: {ZeroPoint}, activationMin: {ActivationMin}, activationMax: {ActivationMax}";

    public void Write(PlanBinaryWriter w)
    {
        w.Ints(Bias); w.Ints(Multipliers); w.Ints(Shifts);
        w.Int(ZeroPoint); w.Int(ActivationMin); w.Int(ActivationMax);
    }

    public static OutputStage Read(PlanBinaryReader r) => new(r.Ints(), r.Ints(), r.Ints(), r.Int(), r.Int(), r.Int());

    /// <summary>The bias, multiplier and shift arrays, as <c>{name}Bias</c>, <c>{name}Multipliers</c>, <c>{name}Shifts</c>.</summary>
    /// <param name="channel">What one of the layer's outputs is called in comments ("unit", "output channel").</param>
    public void EmitData(CodeWriter code, string name, string channel)
    {
        EmitArrays.Bias(code, $"{name}Bias", Bias, "int32 bias (scale = input scale × weight scale), input zero point folded in");
        EmitArrays.Shorts(code, $"{name}Multipliers", StoredMultipliers,
            $"Q15 requantization multipliers (used as Q31: << 16), {(Multipliers.Length == 1 ? $"one for every {channel}" : $"one per {channel}")}");
        EmitArrays.SBytes(code, $"{name}Shifts", StoredShifts,
            $"power-of-two requantization shifts, {(Shifts.Length == 1 ? $"one for every {channel}" : $"one per {channel}")}");
    }
}
