using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Interpreter;

/// <summary>
/// Runs a baked plan with the kernels' reference implementations — the int8 interpreter (and, for float plans,
/// the float one). Generated code must agree with it bit for bit.
/// </summary>
public static class PlanInterpreter
{
    /// <summary>Runs one sample of a model whose inputs and outputs are all float32.</summary>
    public static float[][] Run(BakedPlan plan, IReadOnlyList<float[]> inputs, Action<Kernel, PlanArena>? afterStep = null,
        Action<PlanArena>? afterInputs = null, Action<Kernel, PlanArena>? beforeStep = null) =>
        RunTensors(plan, inputs.Cast<Array>().ToList(), afterStep, afterInputs, beforeStep)
            .Select(o => o as float[] ?? throw new InvalidOperationException("The plan has outputs that are not float32; use RunTensors."))
            .ToArray();

    /// <summary>
    /// Runs one sample: one array per plan input, of the input's element type (float[], long[], sbyte[], byte[],
    /// int[], bool[]); returns one array per output.
    /// </summary>
    /// <param name="afterStep">Called after each step (calibration watches the tensors).</param>
    /// <param name="afterInputs">Called once the inputs are in the arenas.</param>
    /// <param name="beforeStep">Called before each step (reconstruction reads layer inputs).</param>
    public static Array[] RunTensors(BakedPlan plan, IReadOnlyList<Array> inputs, Action<Kernel, PlanArena>? afterStep = null,
        Action<PlanArena>? afterInputs = null, Action<Kernel, PlanArena>? beforeStep = null)
    {
        var arena = new PlanArena(plan.ArenaLengths);
        Load(plan, inputs, arena);
        afterInputs?.Invoke(arena);
        foreach (var kernel in plan.Kernels)
        {
            beforeStep?.Invoke(kernel, arena);
            Step(kernel, arena);
            afterStep?.Invoke(kernel, arena);
        }
        return plan.Outputs.Select(tensor => Store(tensor, arena)).ToArray();
    }

    /// <summary>Runs one step: the kernel's reference code, or for a float convolution the same arithmetic vectorized (<see cref="FloatConvolution"/>).</summary>
    internal static void Step(Kernel kernel, PlanArena arena)
    {
        if (kernel is ConvFloat conv && FloatConvolution.Handles(conv)) FloatConvolution.Run(conv, arena);
        else kernel.Run(arena);
    }

    /// <summary>Puts one sample's inputs (as <see cref="RunTensors"/> takes them) into the arena.</summary>
    internal static void Load(BakedPlan plan, IReadOnlyList<Array> inputs, PlanArena arena)
    {
        if (inputs.Count != plan.Inputs.Count)
            throw new ArgumentException($"The plan has {plan.Inputs.Count} inputs, got {inputs.Count}.", nameof(inputs));
        for (int t = 0; t < inputs.Count; t++) Load(plan.Inputs[t], inputs[t], arena);
    }

    /// <summary>
    /// Element <paramref name="i"/> of a quantized input as Predict quantizes it: a NaN replaced by an Imputer's value
    /// (<see cref="PlanTensor.MissingValues"/>), or coded as −128 with the reals on −127…127 (<see cref="PlanTensor.MissingCode"/>).
    /// </summary>
    public static sbyte QuantizeInput(PlanTensor tensor, float value, int i)
    {
        if (tensor.MissingValues != null && float.IsNaN(value)) value = tensor.MissingValues[i % tensor.MissingValues.Length];
        if (tensor.MissingCode && float.IsNaN(value)) return -128;
        sbyte q = FixedPoint.Quantize(value, tensor.ScaleOf(i), tensor.ZeroPointOf(i));
        return tensor.MissingCode && q == -128 ? (sbyte)-127 : q;
    }

    private static void Load(PlanTensor tensor, Array input, PlanArena arena)
    {
        if (input.Length != tensor.Length)
            throw new ArgumentException($"Input '{tensor.Name}' has {tensor.Length} elements, got {input.Length}.", nameof(input));
        if (tensor.IsQuantized)
        {
            var values = (float[])input;
            var slice = arena.Int8s(tensor.Slice);
            for (int i = 0; i < values.Length; i++) slice[i] = QuantizeInput(tensor, values[i], i);
            return;
        }
        var target = arena.Array(tensor.Slice.Type);
        if (input.GetType() != target.GetType())
            throw new ArgumentException($"Input '{tensor.Name}' is {tensor.Type}: pass a {target.GetType().Name}, not a {input.GetType().Name}.", nameof(input));
        Array.Copy(input, 0, target, tensor.Slice.Offset, tensor.Length);
    }

    private static Array Store(PlanTensor tensor, PlanArena arena)
    {
        if (tensor.IsQuantized)
        {
            var slice = arena.Int8s(tensor.Slice);
            var values = new float[tensor.Length];
            for (int i = 0; i < values.Length; i++) values[i] = FixedPoint.Dequantize(slice[i], tensor.Scale, tensor.ZeroPoint);
            return values;
        }
        var source = arena.Array(tensor.Slice.Type);
        var output = Array.CreateInstance(source.GetType().GetElementType()!, tensor.Length);
        Array.Copy(source, tensor.Slice.Offset, output, 0, tensor.Length);
        return output;
    }
}
