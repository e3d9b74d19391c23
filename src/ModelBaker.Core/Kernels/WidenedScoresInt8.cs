using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A binary classifier's single int8 score column s widened to two, [f₀(s), f₁(s)] (<see cref="SecondClass"/>: [1 − s, s],
/// [−s, s], [σ(−s), σ(s)]), each column a 256-entry table computed at bake time between the input's and the output's
/// quantization, as <see cref="LookupInt8"/> tabulates an element-wise function.
/// </summary>
public sealed class WidenedScoresInt8 : Int8Kernel
{
    public WidenedScoresInt8(string source, SecondClass second, sbyte[] tables, ArenaSlice input, ArenaSlice output) : base(source)
    {
        if (tables.Length != 512) throw new ArgumentException("Two 256-entry tables.", nameof(tables));
        Second = second;
        Tables = tables;
        Input = input;
        Output = output;
    }

    public SecondClass Second { get; }
    /// <summary>Tables[q + 128] is column 0's int8 value for int8 score q, Tables[256 + q + 128] column 1's.</summary>
    public sbyte[] Tables { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public static WidenedScoresInt8 From(ScoreTransformFloat transform, QuantizationContext q)
    {
        var input = q.Parameters(transform.Input);
        var output = q.Parameters(transform.Output);
        Func<double, double> first, second = s => s;
        switch (transform.Second)
        {
            case SecondClass.Complement: first = s => 1 - s; break;
            case SecondClass.Negation: first = s => -s; break;
            case SecondClass.Logistic:
                first = s => 1 / (1 + Math.Exp(s));
                second = s => 1 / (1 + Math.Exp(-s));
                break;
            default: throw new ArgumentException($"{transform.Source}: no second class to widen to.", nameof(transform));
        }
        var tables = new sbyte[512];
        LookupInt8.Tabulate(first, input.Scale, input.ZeroPoint, output.Scale, output.ZeroPoint).CopyTo(tables, 0);
        LookupInt8.Tabulate(second, input.Scale, input.ZeroPoint, output.Scale, output.ZeroPoint).CopyTo(tables, 256);
        return new WidenedScoresInt8(transform.Source, transform.Second, tables, q.Slice(transform.Input), q.Slice(transform.Output));
    }

    public override KernelKind Kind => KernelKind.WidenedScoresInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Tables.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(WidenedScoresInt8) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(WidenedScoresInt8) + "#Nano" };

    public override void Run(PlanArena arena) => Widen(arena.Int8s(Input), Tables, arena.Int8s(Output));

    // <emit>
    /// <summary>Row r's score q becomes [tables[q + 128], tables[256 + q + 128]].</summary>
    public static void Widen(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> tables, Span<sbyte> output)
    {
        for (int r = 0; r < input.Length; r++)
        {
            int q = input[r] + 128;
            output[2 * r] = tables[q];
            output[2 * r + 1] = tables[256 + q];
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Row r's score q becomes [tables[q + 128], tables[256 + q + 128]], on arrays.</summary>
    public static void Widen(sbyte[] input, int inputOffset, int rows, sbyte[] tables, sbyte[] output, int outputOffset)
    {
        for (int r = 0; r < rows; r++)
        {
            int q = input[inputOffset + r] + 128;
            output[outputOffset + 2 * r] = tables[q];
            output[outputOffset + 2 * r + 1] = tables[256 + q];
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Second); w.SBytes(Tables); w.Slice(Input); w.Slice(Output);
    }

    public static WidenedScoresInt8 Read(PlanBinaryReader r, string source) => new(source, (SecondClass)r.Byte(), r.SBytes(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Widen({Input.Expression(code)}, {name}Tables, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Widen({Input.NanoArguments(code)}, rows: {Input.Length}, {name}Tables, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.SBytes(code, $"{name}Tables", Tables,
            $"one score widened to two ({Second}): entry q + 128 is column 0's int8 value for int8 score q, entry 256 + q + 128 column 1's");
}
