using System;
using System.Numerics;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Interpreter;

/// <summary>
/// The float convolution as the bake runs it (calibration, reconstruction, reports): <see cref="ConvFloat.Conv"/>'s
/// arithmetic, output channels side by side in vectors. Each output value is still 0 plus every tap's product, in
/// (input channel, ky, kx) order, in float, then the bias, then the clamp — a padding tap adds 0·w = ±0, which leaves a
/// sum that starts at +0 unchanged — so the values are bit-identical to the reference kernel (and do not depend on
/// the vector width). ModelBaker.Core is built for netstandard2.0, where the kernels' own vector paths are compiled out;
/// this is what keeps a 1.8 GMAC ResNet-18 sample from taking seconds in the interpreter.
/// </summary>
internal static class FloatConvolution
{
    /// <summary>Output pixels computed together (each tap's weights are loaded once for all of them).</summary>
    private const int Pixels = 4;

    /// <summary>True when <see cref="Run"/> computes this step (vectors are hardware accelerated; weights not one value per channel).</summary>
    public static bool Handles(ConvFloat conv) => Vector.IsHardwareAccelerated && conv.StoredWeights.UnitValues == null;

    public static void Run(ConvFloat conv, PlanArena arena)
    {
        var g = conv.Geometry;
        ReadOnlySpan<float> input = arena.Floats(conv.Input);
        Span<float> output = arena.Floats(conv.Output);
        int lanes = Vector<float>.Count;
        int groupInputs = g.InputChannels / g.Groups, groupOutputs = g.OutputChannels / g.Groups;
        int taps = groupInputs * g.KernelHeight * g.KernelWidth, chunks = (groupOutputs + lanes - 1) / lanes;
        int inputPlane = g.InputHeight * g.InputWidth, outputPlane = g.OutputHeight * g.OutputWidth;
        var weights = conv.Weights;
        // [chunk][tap][lane]: a group's weights, output channels side by side (zeros past the last).
        var panels = new float[chunks * taps * lanes];
        var patches = new float[Pixels * taps];
        var lane = new float[lanes];
        for (int group = 0; group < g.Groups; group++)
        {
            Array.Clear(panels, 0, panels.Length);
            for (int m = 0; m < groupOutputs; m++)
                for (int t = 0; t < taps; t++)
                    panels[(m / lanes * taps + t) * lanes + m % lanes] = weights[(group * groupOutputs + m) * taps + t];
            for (int n = 0; n < g.Batch; n++)
            {
                var groupInput = input.Slice((n * g.InputChannels + group * groupInputs) * inputPlane, groupInputs * inputPlane);
                for (int first = 0; first < outputPlane; first += Pixels)
                {
                    int pixels = Math.Min(Pixels, outputPlane - first);
                    Array.Clear(patches, 0, patches.Length);
                    for (int p = 0; p < pixels; p++) Patch(g, groupInput, first + p, patches.AsSpan(p * taps, taps));
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        Vector<float> s0 = Vector<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                        int panel = chunk * taps * lanes;
                        for (int t = 0; t < taps; t++)
                        {
                            var w = new Vector<float>(panels, panel + t * lanes);
                            s0 += new Vector<float>(patches[t]) * w;
                            s1 += new Vector<float>(patches[taps + t]) * w;
                            s2 += new Vector<float>(patches[2 * taps + t]) * w;
                            s3 += new Vector<float>(patches[3 * taps + t]) * w;
                        }
                        int channel = group * groupOutputs + chunk * lanes, count = Math.Min(lanes, groupOutputs - chunk * lanes);
                        for (int p = 0; p < pixels; p++)
                        {
                            var sum = p == 0 ? s0 : p == 1 ? s1 : p == 2 ? s2 : s3;
                            sum.CopyTo(lane);
                            for (int i = 0; i < count; i++)
                            {
                                float value = lane[i] + conv.Bias[channel + i];
                                output[(n * g.OutputChannels + channel + i) * outputPlane + first + p] =
                                    value < conv.ActivationMin ? conv.ActivationMin : value > conv.ActivationMax ? conv.ActivationMax : value;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The window of output pixel <paramref name="pixel"/> over the group's input channels, in (channel, ky, kx) order, 0 where padding.</summary>
    private static void Patch(ConvGeometry g, ReadOnlySpan<float> groupInput, int pixel, Span<float> patch)
    {
        int oy = pixel / g.OutputWidth, ox = pixel % g.OutputWidth;
        int top = oy * g.StrideHeight - g.PadTop, left = ox * g.StrideWidth - g.PadLeft;
        int inputPlane = g.InputHeight * g.InputWidth, t = 0;
        for (int c = 0; c < patch.Length / (g.KernelHeight * g.KernelWidth); c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                int y = top + ky * g.DilationHeight;
                if (y < 0 || y >= g.InputHeight) { t += g.KernelWidth; continue; }
                int row = c * inputPlane + y * g.InputWidth;
                for (int kx = 0; kx < g.KernelWidth; kx++, t++)
                {
                    int x = left + kx * g.DilationWidth;
                    if (x >= 0 && x < g.InputWidth) patch[t] = groupInput[row + x];
                }
            }
    }
}
