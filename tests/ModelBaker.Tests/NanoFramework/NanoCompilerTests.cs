using ModelBaker.Core.Codegen;
using ModelBaker.Tests.Support;
using Xunit.Sdk;
using ModelBaker.Core.Generation;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>The checks the nanoFramework tests rely on do catch what they are meant to catch.</summary>
public sealed class NanoCompilerTests
{
    [Fact]
    public void A_generic_method_instantiation_is_caught()
    {
        const string source = "public static class G { static T Id<T>(T x) => x; public static int One() => Id(1); }";
        var facts = NanoCompiler.Inspect(NanoCompiler.CompileAgainstNanoMscorlib(source));
        Assert.True(facts.MethodSpecs > 0);
        var failure = Assert.Throws<TrueException>(() => NanoCompiler.AssertNanoFrameworkClean(source));
        Assert.Contains("generic types or methods: 2 uses", failure.Message);
    }

    [Fact]
    public void The_net_flavour_does_not_compile_against_nanoFrameworks_mscorlib()
    {
        // Spans and System.Math are not there: the nanoFramework compile is a real check, not a formality.
        string net = ClassEmitter.Emit(SampleModels.Digits());
        Assert.Throws<TrueException>(() => NanoCompiler.CompileForNanoFramework(net));
    }

    [Fact]
    public void Static_weight_arrays_are_built_by_InitializeArray_at_class_initialisation()
    {
        // Evidence for docs/nanoframework.md: C# array initialisers become newarr + RuntimeHelpers.InitializeArray, which
        // nanoFramework's CLR implements by copying the bytes from the assembly into a new heap array.
        var facts = NanoCompiler.AssertNanoFrameworkClean("public static class W { public static readonly sbyte[] X = new sbyte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }; }");
        Assert.Contains("System.Runtime.CompilerServices.RuntimeHelpers", facts.TypeReferences);
    }
}
