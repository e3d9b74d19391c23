using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Any element-wise int8 → int8 function (Relu, Sigmoid, Tanh, …) as a 256-entry table computed at bake time:
/// integer-only at run time and exact by construction. A per-feature map (an Imputer's) has one table per feature, the
/// features the last axis: 256 × features entries, element i read from table i mod features.
/// </summary>
public sealed class LookupInt8 : Int8Kernel, IChannelsLastKernel
{
    public LookupInt8(string source, string function, sbyte[] table, ArenaSlice input, ArenaSlice output) : base(source)
    {
        if (table.Length % 256 != 0 || table.Length == 0 || input.Length % (table.Length / 256) != 0)
            throw new ArgumentException("A lookup table has 256 entries per feature, and the input whole rows of features.", nameof(table));
        Function = function;
        Table = table;
        Input = input;
        Output = output;
    }

    /// <summary>What the table computes, for comments ("Sigmoid").</summary>
    public string Function { get; }
    /// <summary>Table[q + 128] is the output for input q (Table[256 · f + q + 128] for feature f).</summary>
    public sbyte[] Table { get; }
    /// <summary>Tables in <see cref="Table"/>: one, or one per feature (the last axis).</summary>
    public int Features => Table.Length / 256;
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public override KernelKind Kind => KernelKind.LookupInt8;

    /// <summary>Element by element: any order of the elements will do.</summary>
    public IReadOnlyList<LayoutOperand>? LayoutOperands =>
        Output.Shape is { Length: 4 } s && Input.Length == Output.Length && Features == 1
            ? new[] { new LayoutOperand(Input, s[0], s[1], s[2] * s[3]), new LayoutOperand(Output, s[0], s[1], s[2] * s[3]) }
            : null;

    public bool LeadsChannelsLast => false;

    public Kernel ToChannelsLast(Func<ArenaSlice, ArenaSlice> slice) => new LookupInt8(Source, Function, Table, slice(Input), slice(Output));
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Table.Length;
    public override IEnumerable<string> Helpers => new[] { Features == 1 ? nameof(LookupInt8) : nameof(LookupInt8) + "#Features" };

    /// <summary>
    /// An element-wise float function as a table between the input's calibrated parameters and the output's:
    /// calibrated too, or fixed as TensorFlow Lite fixes them (Sigmoid 1/256 and −128, Tanh 1/128 and 0).
    /// </summary>
    public static LookupInt8 From(string source, string name, Func<double, double> function, ArenaSlice input, ArenaSlice output,
        QuantizationContext q, QuantizationParameters? fixedOutput = null)
    {
        var inputParameters = q.Parameters(input);
        var outputParameters = fixedOutput is { } p ? q.Fix(output, p) : q.Parameters(output);
        var table = Tabulate(function, inputParameters.Scale, inputParameters.ZeroPoint, outputParameters.Scale, outputParameters.ZeroPoint);
        return new LookupInt8(source, name, table, q.Slice(input), q.Slice(output));
    }

    /// <summary>Tabulates <paramref name="function"/> between the given input and output quantizations.</summary>
    public static sbyte[] Tabulate(Func<double, double> function, double inputScale, int inputZeroPoint,
        double outputScale, int outputZeroPoint)
    {
        var table = new sbyte[256];
        for (int q = -128; q <= 127; q++)
        {
            double y = function(inputScale * (q - inputZeroPoint));
            double quantized = Math.Round(y / outputScale) + outputZeroPoint;
            table[q + 128] = (sbyte)Math.Max(-128, Math.Min(127, quantized));
        }
        return table;
    }

    public override void Run(PlanArena arena)
    {
        if (Features == 1) Lookup(arena.Int8s(Input), Table, arena.Int8s(Output));
        else LookupFeatures(arena.Int8s(Input), Features, Table, arena.Int8s(Output));
    }

    // <emit>
    /// <summary>output[i] = table[input[i] + 128].</summary>
    public static void Lookup(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> table, Span<sbyte> output)
    {
        for (int i = 0; i < input.Length; i++)
            output[i] = table[input[i] + 128];
    }
    // </emit>

    // <emit Features>
    /// <summary>Rows of <paramref name="features"/> elements: output[i] = tables[256 · (i mod features) + input[i] + 128].</summary>
    public static void LookupFeatures(ReadOnlySpan<sbyte> input, int features, ReadOnlySpan<sbyte> tables, Span<sbyte> output)
    {
        for (int start = 0; start < input.Length; start += features)
            for (int f = 0, table = 128; f < features; f++, table += 256)
                output[start + f] = tables[table + input[start + f]];
    }
    // </emit>

    // <emit NanoFeatures>
    /// <summary>LookupFeatures on arrays: rows of <paramref name="features"/> elements, element f of a row through table f.</summary>
    public static void LookupFeatures(sbyte[] input, int inputOffset, int length, int features, sbyte[] tables, sbyte[] output, int outputOffset)
    {
        for (int start = 0; start < length; start += features)
            for (int f = 0, table = 128; f < features; f++, table += 256)
                output[outputOffset + start + f] = tables[table + input[inputOffset + start + f]];
    }
    // </emit>

    // <emit Nano>
    /// <summary>output[outputOffset + i] = table[input[inputOffset + i] + 128] for i &lt; length.</summary>
    public static void Lookup(sbyte[] input, int inputOffset, int length, sbyte[] table, sbyte[] output, int outputOffset)
    {
        for (int i = 0; i < length; i++)
            output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(LookupInt8) + (Features == 1 ? "#Nano" : "#NanoFeatures") };

    public override void EmitNanoCall(CodeWriter code, string name) => code.Line(Features == 1
        ? $"Lookup({Input.NanoArguments(code)}, length: {Input.Length}, {name}Table, {Output.NanoArguments(code)});"
        : $"LookupFeatures({Input.NanoArguments(code)}, length: {Input.Length}, features: {Features}, {name}Table, {Output.NanoArguments(code)});");

    /// <summary>Element i is read only to write element i.</summary>
    public override ArenaSlice? InPlaceInput => Input;

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.String(Function); w.SBytes(Table); w.Slice(Input); w.Slice(Output);
    }

    public static LookupInt8 Read(PlanBinaryReader r, string source) => new(source, r.String(), r.SBytes(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) => code.Line(Features == 1
        ? $"Lookup({Input.Expression(code)}, {name}Table, {Output.Expression(code)});"
        : $"LookupFeatures({Input.Expression(code)}, features: {Features}, {name}Table, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.SBytes(code, $"{name}Table", Table, Features == 1
            ? $"{Function} tabulated: entry q + 128 is the int8 output for int8 input q"
            : $"{Function} tabulated per feature: entry 256 · f + q + 128 is the int8 output for int8 input q of feature f");
}
