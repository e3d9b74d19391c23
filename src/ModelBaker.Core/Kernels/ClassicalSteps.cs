using System;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>What the steps of classical models (ai.onnx.ml) share: why they run in float, and their class-label payloads.</summary>
public static class ClassicalSteps
{
    /// <summary>The <see cref="IFloatOnlyKernel.FloatOnlyReason"/> of a classical step: an int8 plan runs it in a float island.</summary>
    public static string FloatOnlyReason(string what) => $"{what} has no int8 kernel yet";

    /// <summary>Writes class labels (long[] or string[]) with a tag byte.</summary>
    public static void WriteClasses(PlanBinaryWriter w, Array classes)
    {
        if (classes is string[] strings)
        {
            w.Byte(1); w.Int(strings.Length);
            foreach (var s in strings) w.String(s);
        }
        else
        {
            var longs = (long[])classes;
            w.Byte(0); w.Int(longs.Length);
            foreach (var v in longs) w.Long(v);
        }
    }

    public static Array ReadClasses(PlanBinaryReader r)
    {
        bool strings = r.Byte() == 1;
        int n = r.Int();
        if (strings) return Enumerable.Range(0, n).Select(_ => r.String()).ToArray();
        return Enumerable.Range(0, n).Select(_ => r.Long()).ToArray();
    }

    /// <summary>The C# initializer of a long[] or string[] of classes: "{ 0L, 1L }", "{ \"cat\", \"dog\" }".</summary>
    public static string Initializer(Array classes) => classes is string[] strings
        ? "{ " + string.Join(", ", strings.Select(CodeWriter.StringLiteral)) + " }"
        : "{ " + string.Join(", ", ((long[])classes).Select(v => TypedArrays.Literal(new[] { v }, 0))) + " }";
}
