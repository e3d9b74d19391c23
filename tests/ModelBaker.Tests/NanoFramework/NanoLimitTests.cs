using System.Collections.Immutable;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.NanoFramework;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// The nanoFramework checker measures compiled assemblies against nanoCLR's limits: a model too big for the format
/// is refused with MB2004 naming the limit, the measured value and the fix, and each limit is caught in code made to
/// break it (compiled against nanoFramework's mscorlib, as a device build would be).
/// </summary>
public sealed class NanoLimitTests
{
    private static IReadOnlyList<NanoFrameworkViolation> Check(string source) =>
        NanoAssemblyChecker.Check(ImmutableArray.Create(NanoCompiler.CompileAgainstNanoMscorlib(source)));

    private static NanoFrameworkViolation Single(string source, NanoFrameworkLimit limit)
    {
        var violation = Assert.Single(Check(source));
        Assert.Same(limit, violation.Limit);
        return violation;
    }

    /// <summary>One dense 256 × 256 fully connected layer: 65,536 int8 weights, more than the signature table holds.</summary>
    private static Core.Ir.Graph WideLayer(int width)
    {
        var random = new Random(7);
        var weights = Enumerable.Range(0, width * width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return new GraphBuilder()
            .Input("x", 1, width)
            .Constant("w", T.F(new[] { width, width }, weights))
            .Node("Gemm", new[] { "x", "w" }, new[] { "y" }, GraphBuilder.Int("transB", 1))
            .Output("y").Graph;
    }

    [Fact]
    public void A_model_whose_weights_overflow_the_signature_table_is_refused_with_MB2004()
    {
        var plan = NanoGraphTests.BakeNano(WideLayer(256), storage: Core.Options.WeightStorage.Inline);
        var image = NanoCompiler.CompileAgainstNanoMscorlib(ClassEmitter.Emit(plan));

        var error = Assert.Throws<BakeException>(() => NanoAssemblyChecker.EnsureWithinLimits(ImmutableArray.Create(image), "The class Net generated from net.onnx"));

        Assert.Equal(ErrorCodes.NanoFrameworkLimitExceeded, error.Code);
        var violation = Assert.Single(NanoAssemblyChecker.Check(ImmutableArray.Create(image)));
        Assert.Same(NanoFrameworkLimit.InitializerData, violation.Limit);
        Assert.InRange(violation.Measured, 65_536, 65_536 + 4_096); // the weights, plus biases and requantization parameters
        Assert.StartsWith(
            "The class Net generated from net.onnx would not run on nanoFramework: it breaks a limit of nanoCLR's assembly format that neither the compiler nor MetadataProcessor checks:" + Environment.NewLine +
            $"  static array initializer data (weights, biases, tables): {violation.Measured:N0} bytes in assembly NanoModel, but nanoCLR holds at most 65,535 (ModelBaker allows 57,344, keeping headroom): " +
            "it is stored in the assembly's signature table, addressed by 16-bit offsets (CLR_SIG); beyond it the device fails to load the assembly or reads wrong data. " +
            "Read the weights from flash with WeightStorage=\"Resource\" (Auto does from 32 KB of weights), or shrink them: a higher Sparsity, Clusters=\"16\", Pruning=\"Structured\", or a smaller model",
            error.Message);
    }

    [Fact]
    public void Generate_for_nanoFramework_refuses_an_over_limit_model_and_writes_no_file()
    {
        using var folder = new TempFolder();
        string model = Path.Combine(folder.Root, "wide.onnx");
        Core.Onnx.OnnxModelWriter.Save(WideLayer(256), model);

        // Inline: the weights as array initializers break the limit (Auto would read them from a resource instead).
        var result = Cli.CliResult.Run("generate", model, "--target", "nanoframework", "--weight-storage", "inline", "-o", folder.Root);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("MB2004", result.Error);
        Assert.Contains("The class ModelBaker.Generated.Wide generated from wide.onnx would not run on nanoFramework", result.Error);
        Assert.False(File.Exists(Path.Combine(folder.Root, "Wide.cs")));

        // The same model with its weights in a resource is within every limit.
        var resource = Cli.CliResult.Run("generate", model, "--target", "nanoframework", "-o", folder.Root);
        Assert.True(resource.ExitCode == 0, resource.ToString());
        Assert.True(File.Exists(Path.Combine(folder.Root, "Wide.weights.resources")));
    }

    [Fact]
    public void A_model_under_the_limits_passes_and_its_initializer_data_is_counted()
    {
        var plan = NanoGraphTests.BakeNano(WideLayer(128));
        var image = ImmutableArray.Create(NanoCompiler.CompileAgainstNanoMscorlib(ClassEmitter.Emit(plan)));

        Assert.Empty(NanoAssemblyChecker.Check(image));
        NanoAssemblyChecker.EnsureWithinLimits(image, "Net");
    }

    [Fact]
    public void With_a_scope_only_the_named_classes_and_their_share_of_the_assembly_are_measured()
    {
        // A model class over the data limit beside a test program that uses generics (a desktop project testing the
        // nanoFramework flavour): each is charged with its own.
        string source = "namespace N { public static class Model { public static readonly sbyte[] W = new sbyte[] { " +
                        string.Join(",", Enumerable.Range(0, 60_000).Select(i => i % 100)) + " }; public static int Run() => W[3]; } " +
                        "public static class App { static T Id<T>(T x) => x; public static int Main() => Id(Model.Run()); } }";
        var image = ImmutableArray.Create(NanoCompiler.CompileAgainstNanoMscorlib(source));

        Assert.Equal(new[] { NanoFrameworkLimit.InitializerData, NanoFrameworkLimit.Generics }, NanoAssemblyChecker.Check(image).Select(v => v.Limit));
        var model = Assert.Single(NanoAssemblyChecker.Check(image, new[] { "N.Model" }));
        Assert.Same(NanoFrameworkLimit.InitializerData, model.Limit);
        Assert.Equal(60_000, model.Measured);
        Assert.Equal("N.Model (assembly NanoModel)", model.Where);
        var app = Assert.Single(NanoAssemblyChecker.Check(image, new[] { "N.App" }));
        Assert.Same(NanoFrameworkLimit.Generics, app.Limit);
        Assert.Equal(2, app.Measured); // Id's type parameter and the instantiation Id<int>
    }

    [Fact]
    public void A_firmware_assembly_is_told_from_a_desktop_one_by_the_mscorlib_it_references()
    {
        const string source = "public static class C { public static int M(int x) => x + 1; }";
        Assert.True(NanoAssemblyChecker.IsCompiledForNanoFramework(ImmutableArray.Create(NanoCompiler.CompileAgainstNanoMscorlib(source))));
        Assert.False(NanoAssemblyChecker.IsCompiledForNanoFramework(ImmutableArray.Create(ModelBaker.Cli.Conformance.InMemoryCompiler.CompileForNanoFrameworkChecks(source))));
    }

    [Fact]
    public void Initializer_data_is_measured_exactly()
    {
        // 60,000 sbytes in one array: over 57,344. Two arrays of 20,000 shorts (80,000 bytes): over too.
        var one = Single("class C { static readonly sbyte[] A = new sbyte[] { " + string.Join(",", Enumerable.Range(0, 60_000).Select(i => i % 100)) + " }; }",
            NanoFrameworkLimit.InitializerData);
        Assert.Equal(60_000, one.Measured);
        var two = Single("class C { static readonly short[] A = new short[] { " + string.Join(",", Enumerable.Range(0, 20_000).Select(i => i % 1000)) + " };" +
                         " static readonly short[] B = new short[] { " + string.Join(",", Enumerable.Range(0, 20_000).Select(i => i % 999)) + " }; }",
            NanoFrameworkLimit.InitializerData);
        Assert.Equal(80_000, two.Measured);
    }

    [Fact]
    public void More_than_255_locals_in_a_method_are_refused()
    {
        // Each local is read after it is written, so the compiler keeps all of them.
        var locals = Enumerable.Range(0, 300).ToList();
        string body = string.Concat(locals.Select(i => $"int v{i} = x * {i}; ")) + "return " + string.Join(" ^ ", locals.Select(i => $"v{i}")) + ";";
        var violation = Single($"class C {{ static int M(int x) {{ {body} }} }}", NanoFrameworkLimit.Locals);
        Assert.InRange(violation.Measured, 299, 300); // the compiler may keep the last value on the stack
        Assert.Equal("C.M", violation.Where);
    }

    [Fact]
    public void A_switch_of_more_than_255_targets_is_refused()
    {
        string cases = string.Concat(Enumerable.Range(0, 300).Select(i => $"case {i}: return {i * 7 % 13};"));
        var violation = Single($"class C {{ static int M(int x) {{ switch (x) {{ {cases} default: return -1; }} }} }}", NanoFrameworkLimit.SwitchTargets);
        Assert.Equal(300, violation.Measured);
    }

    [Fact]
    public void More_than_255_static_fields_in_a_type_are_refused_but_constants_do_not_count()
    {
        string fields = string.Concat(Enumerable.Range(0, 256).Select(i => $"public static int f{i}; "));
        string constants = string.Concat(Enumerable.Range(0, 300).Select(i => $"public const int k{i} = {i}; "));
        var violation = Single($"public class C {{ {fields} }}", NanoFrameworkLimit.FieldsPerKind);
        Assert.Equal(256, violation.Measured);
        Assert.Equal("the static fields of C", violation.Where);
        Assert.Empty(Check($"public class C {{ {constants} }}"));
    }

    [Fact]
    public void More_than_255_static_methods_in_a_type_are_refused()
    {
        string methods = string.Concat(Enumerable.Range(0, 256).Select(i => $"public static int M{i}() => {i}; "));
        Assert.Equal(256, Single($"class C {{ {methods} }}", NanoFrameworkLimit.MethodsPerKind).Measured);
    }

    [Fact]
    public void An_evaluation_stack_deeper_than_255_is_refused()
    {
        // x + (x + (x + …)): every x waits on the stack for the sum to its right.
        string nested = string.Concat(Enumerable.Repeat("x + (", 300)) + "x" + new string(')', 300);
        var violation = Single($"class C {{ static int M(int x) {{ return {nested}; }} }}", NanoFrameworkLimit.EvaluationStack);
        Assert.InRange(violation.Measured, 256, 302);
    }

    [Fact]
    public void Generics_multidimensional_arrays_and_checked_arithmetic_are_refused()
    {
        Assert.Equal(NanoFrameworkLimit.Generics, Assert.Single(Check("class C { static T Id<T>(T x) => x; static int M() => Id(3); }").Select(v => v.Limit).Distinct()));
        Single("class C { static int M() { var a = new int[2, 3]; return a[1, 2]; } }", NanoFrameworkLimit.MultiDimensionalArrays);
        var overflow = Single("class C { static int M(int a, int b) => checked(a * b + a); }", NanoFrameworkLimit.CheckedArithmetic);
        Assert.Equal(2, overflow.Measured);
    }

    [Fact]
    public void More_than_60_KB_of_bytecode_is_refused()
    {
        // Each statement is 9 bytes of IL (ldarg.0, ldc.i4 n, add, starg.s 0); 8,000 of them are 72,000 bytes.
        string statements = string.Concat(Enumerable.Range(0, 8_000).Select(i => $"x += {100_000 + i}; "));
        var violation = Single($"class C {{ static int M(int x) {{ {statements} return x; }} }}", NanoFrameworkLimit.ByteCode);
        Assert.InRange(violation.Measured, 72_000, 72_100);
    }
}
