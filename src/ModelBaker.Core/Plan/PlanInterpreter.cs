using System;
using System.Collections.Generic;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Core.Plan;

/// <summary>
/// Runs a baked plan with the kernels' reference implementations — the int8 interpreter (and, for float
/// plans, the float one). Generated code must agree with it bit for bit.
/// </summary>
public static class PlanInterpreter
{
    /// <summary>Runs one sample: one float array per plan input, returns one per plan output.</summary>
    /// <param name="afterStep">Called after each step with the arena (calibration watches the tensors).</param>
    /// <param name="afterInputs">Called once the inputs are in the arena.</param>
    /// <param name="beforeStep">Called before each step with the arena (reconstruction reads layer inputs).</param>
    public static float[][] Run(BakedPlan plan, IReadOnlyList<float[]> inputs, Action<Kernel, Array>? afterStep = null,
        Action<Array>? afterInputs = null, Action<Kernel, Array>? beforeStep = null)
    {
        if (inputs.Count != plan.Inputs.Count)
            throw new ArgumentException($"The plan has {plan.Inputs.Count} inputs, got {inputs.Count}.", nameof(inputs));
        for (int i = 0; i < inputs.Count; i++)
            if (inputs[i].Length != plan.Inputs[i].Length)
                throw new ArgumentException($"Input '{plan.Inputs[i].Name}' has {plan.Inputs[i].Length} elements, got {inputs[i].Length}.", nameof(inputs));

        return plan.Header.Precision == Precision.Int8 ? RunInt8(plan, inputs, afterStep, afterInputs, beforeStep) : RunFloat(plan, inputs, afterStep, afterInputs, beforeStep);
    }

    private static float[][] RunInt8(BakedPlan plan, IReadOnlyList<float[]> inputs, Action<Kernel, Array>? afterStep, Action<Array>? afterInputs, Action<Kernel, Array>? beforeStep)
    {
        var arena = new sbyte[plan.ArenaLength];
        for (int t = 0; t < inputs.Count; t++)
        {
            var tensor = plan.Inputs[t];
            for (int i = 0; i < tensor.Length; i++)
                arena[tensor.Slice.Offset + i] = FixedPoint.Quantize(inputs[t][i], tensor.Scale, tensor.ZeroPoint);
        }
        afterInputs?.Invoke(arena);
        foreach (var kernel in plan.Kernels)
        {
            beforeStep?.Invoke(kernel, arena);
            ((Int8Kernel)kernel).Run(arena);
            afterStep?.Invoke(kernel, arena);
        }
        var outputs = new float[plan.Outputs.Count][];
        for (int t = 0; t < outputs.Length; t++)
        {
            var tensor = plan.Outputs[t];
            outputs[t] = new float[tensor.Length];
            for (int i = 0; i < tensor.Length; i++)
                outputs[t][i] = FixedPoint.Dequantize(arena[tensor.Slice.Offset + i], tensor.Scale, tensor.ZeroPoint);
        }
        return outputs;
    }

    private static float[][] RunFloat(BakedPlan plan, IReadOnlyList<float[]> inputs, Action<Kernel, Array>? afterStep, Action<Array>? afterInputs, Action<Kernel, Array>? beforeStep)
    {
        var arena = new float[plan.ArenaLength];
        for (int t = 0; t < inputs.Count; t++)
            Array.Copy(inputs[t], 0, arena, plan.Inputs[t].Slice.Offset, inputs[t].Length);
        afterInputs?.Invoke(arena);
        foreach (var kernel in plan.Kernels)
        {
            beforeStep?.Invoke(kernel, arena);
            ((FloatKernel)kernel).Run(arena);
            afterStep?.Invoke(kernel, arena);
        }
        var outputs = new float[plan.Outputs.Count][];
        for (int t = 0; t < outputs.Length; t++)
        {
            var tensor = plan.Outputs[t];
            outputs[t] = new float[tensor.Length];
            Array.Copy(arena, tensor.Slice.Offset, outputs[t], 0, tensor.Length);
        }
        return outputs;
    }
}
