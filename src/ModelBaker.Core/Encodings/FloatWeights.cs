using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>
/// A float layer's [units × depth] weights, stored dense or — when every weight of each unit is one value, as a
/// weight tensor filled by ConstantOfShape (then perhaps scaled by a folded BatchNormalization) — as one value per
/// unit. A fill stays one value per unit through the bake until a pass writes to the weights (pruning,
/// reconstruction, distillation), so a model with 100-million-weight fills bakes without them; the plan file and the
/// generated code store one value per unit whenever the weights are uniform, filled or found so, and the kernels then
/// run their uniform specialization (one window sum serves every channel), never writing the weights out.
/// </summary>
public sealed class FloatWeights
{
    private float[]? values;
    private float[]? unitValues;

    private FloatWeights(float[]? values, float[]? unitValues, int units, int depth) =>
        (this.values, this.unitValues, Units, Depth) = (values, unitValues, units, depth);

    public static FloatWeights Dense(float[] values, int units, int depth) =>
        values.Length == units * depth ? new(values, null, units, depth) : throw new ArgumentException($"{values.Length} weights are not {units} × {depth}.", nameof(values));

    public static FloatWeights Uniform(float[] unitValues, int depth) => new(null, unitValues, unitValues.Length, depth);

    public int Units { get; }
    public int Depth { get; }
    public int Count => Units * Depth;

    /// <summary>
    /// The weights written out, [units × depth] row-major — what passes read and change in place. Uniform weights are
    /// written out on the first call and stay so.
    /// </summary>
    public float[] Values
    {
        get
        {
            if (values == null)
            {
                values = new float[Count];
                for (int n = 0; n < Units; n++) values.AsSpan(n * Depth, Depth).Fill(unitValues![n]);
                unitValues = null;
            }
            return values;
        }
    }

    /// <summary>True while the weights are a fill (one value per unit) nothing has written out.</summary>
    public bool IsFill => unitValues != null;

    /// <summary>The floats as stored: one per unit for a fill not written out yet, else every weight (for checks that must not write a fill out).</summary>
    public float[] Stored => unitValues ?? values!;

    /// <summary>One value per unit when each unit's weights are one value (as filled, or as found in written-out weights); else null.</summary>
    public float[]? UnitValues => unitValues ?? RowValues(values!, Units, Depth);

    public int Zeros => unitValues != null ? unitValues.Count(v => v == 0f) * Depth : values!.Count(v => v == 0f);

    /// <summary>Bytes stored: one float per unit when uniform, else every weight.</summary>
    public int Bytes => 4 * (UnitValues?.Length ?? Count);

    /// <summary>Unit n's weights times scale[n] (a folded per-channel affine map); a fill stays a fill.</summary>
    public FloatWeights ScaledPerUnit(float[] scale)
    {
        if (unitValues != null) return Uniform(unitValues.Select((v, n) => v * scale[n]).ToArray(), Depth);
        var scaled = new float[Count];
        for (int n = 0; n < Units; n++)
            for (int k = 0; k < Depth; k++) scaled[n * Depth + k] = values![n * Depth + k] * scale[n];
        return Dense(scaled, Units, Depth);
    }

    /// <summary>Each row's one value, or null when some row has two (stored values: 0 and −0 differ, NaN matches NaN).</summary>
    private static float[]? RowValues(float[] values, int units, int depth)
    {
        if (depth == 0) return null;
        var rowValues = new float[units];
        for (int n = 0; n < units; n++)
        {
            float first = values[n * depth];
            for (int k = 1; k < depth; k++)
                if (!SameStored(values[n * depth + k], first)) return null;
            rowValues[n] = first;
        }
        return rowValues;
    }

    /// <summary>Equal as stored, so the decoded weights compute what the elements would: NaN matches NaN, 0 does not match −0.</summary>
    public static bool SameStored(float a, float b) => a.Equals(b) && (a != 0f || 1f / a == 1f / b);

    public void Write(PlanBinaryWriter w)
    {
        var uniform = UnitValues;
        w.Int(Units); w.Int(Depth);
        w.Byte(uniform != null ? (byte)1 : (byte)0);
        w.Floats(uniform ?? values!);
    }

    public static FloatWeights Read(PlanBinaryReader r)
    {
        int units = r.Int(), depth = r.Int();
        bool uniform = r.Byte() == 1;
        var data = r.Floats();
        if (data.Length != (uniform ? units : units * depth))
            throw new System.IO.InvalidDataException($"{data.Length} float weights for {units} units of {depth}.");
        return uniform ? Uniform(data, depth) : Dense(data, units, depth);
    }

    /// <summary>
    /// <c>{name}Weights</c>, [units × depth] floats, or, when uniform, <c>{name}UnitWeights</c>, one per unit — what
    /// the kernel's uniform specialization reads.
    /// </summary>
    public void EmitData(CodeWriter code, string name, string shape)
    {
        var uniform = UnitValues;
        if (uniform == null)
            EmitArrays.Floats(code, name + "Weights", values!, $"{shape} float weights, one row per output unit");
        else
            EmitArrays.Floats(code, name + "UnitWeights", uniform, $"the one float weight each unit of the {shape} weights has");
    }
}
