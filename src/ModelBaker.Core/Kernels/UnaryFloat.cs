using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>The element-wise activations of float plans.</summary>
public enum UnaryFunction { Relu = 0, Sigmoid = 1, Tanh = 2 }

/// <summary>output[i] = f(input[i]) for an activation that could not be fused into the layer before it.</summary>
public sealed class UnaryFloat : FloatKernel
{
    public UnaryFloat(string source, UnaryFunction function, ArenaSlice input, ArenaSlice output) : base(source)
    {
        Function = function;
        Input = input;
        Output = output;
    }

    public UnaryFunction Function { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    /// <summary>Every function becomes a 256-entry table; Sigmoid and Tanh get TensorFlow Lite's fixed output scales.</summary>
    public override Kernel Quantize(Compression.QuantizationContext context) => Function switch
    {
        UnaryFunction.Relu => LookupInt8.From(Source, "Relu", x => Math.Max(0, x), Input, Output, context),
        UnaryFunction.Sigmoid => LookupInt8.From(Source, "Sigmoid", x => 1 / (1 + Math.Exp(-x)), Input, Output, context,
            new Compression.QuantizationParameters(1.0 / 256, -128)),
        _ => LookupInt8.From(Source, "Tanh", Math.Tanh, Input, Output, context, new Compression.QuantizationParameters(1.0 / 128, 0)),
    };

    public override KernelKind Kind => KernelKind.UnaryFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(UnaryFloat) };

    public override void Run(PlanArena arena) =>
        Unary((int)Function, arena.Floats(Input), arena.Floats(Output));

    // <emit>
    /// <summary>Element-wise activation: 0 = Relu, 1 = Sigmoid, 2 = Tanh.</summary>
    public static void Unary(int function, ReadOnlySpan<float> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            float x = input[i];
            output[i] = function switch
            {
                0 => x > 0f ? x : 0f,
                1 => (float)(1.0 / (1.0 + Math.Exp(-x))),
                _ => (float)Math.Tanh(x),
            };
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Function); w.Slice(Input); w.Slice(Output);
    }

    public static UnaryFloat Read(PlanBinaryReader r, string source) => new(source, (UnaryFunction)r.Byte(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Unary({(int)Function} /* {Function} */, {Input.Expression()}, {Output.Expression()});");

    public override void EmitData(CodeWriter code, string name) { }
}
