using System.Reflection;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// Names in a model are data, never code: node, tensor, graph and file names holding every line terminator C# knows,
/// quotes, backslashes, comment and brace characters, NUL and bidi controls go through both flavours, compile, run
/// and change nothing but the text of comments and messages. The first case is the attack that once worked: U+2028
/// ended a "// Step" comment and the rest of a Gemm's name ran inside Predict.
/// </summary>
public sealed class HostileNameTests
{
    private static readonly string Pwned = Path.Combine(Path.GetTempPath(), "modelbaker-pwned-" + Guid.NewGuid().ToString("N"));

    public static IEnumerable<object[]> Names => new[]
    {
        $"g0\u2028System.IO.File.WriteAllText(@\"{Pwned}\", \"x\");//",
        $"g0\u2029System.IO.File.WriteAllText(@\"{Pwned}\", \"x\");//",
        $"g0\u0085System.IO.File.WriteAllText(@\"{Pwned}\", \"x\");//",
        $"g0\nSystem.IO.File.WriteAllText(@\"{Pwned}\", \"x\");//",
        $"g0\r}} static Net() {{ System.IO.File.WriteAllText(@\"{Pwned}\", \"x\"); }} //",
        "quote\"'{0}{{",
        "back\\slash\\",
        "\\u0022\\x",
        "*/ /* -->&<summary>",
        "nul\0char",
        "bidi\u202Etxt.exe\u202C\u2066\u200F",
        "ïñ 模型 \uD83D\uDE00",
        "\uD800lone surrogate",
    }.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_name_is_escaped_in_the_dotnet_flavour_and_the_code_runs_as_the_interpreter(string hostile)
    {
        foreach (var precision in new[] { Precision.Float32, Precision.Int8 })
        {
            var plan = Bake(hostile, precision, CodeTarget.Net);
            string source = ClassEmitter.Emit(plan);
            AssertNoUnescapedControlCharacters(source);
            var model = NanoCompiler.CompileForNet(source, "Tests.Net", ArrayHarness, Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp12);
            var harness = model.Assembly.GetType("Harness")!;
            AssertRunsAsTheInterpreter(plan, (a, b, y) => Invoke(harness, "Predict", a, b, y));
            var wrong = Assert.Throws<ArgumentException>(() => Invoke(harness, "Predict", new float[3], new float[4], new float[2]));
            Assert.Contains($"'{hostile + "a"}'", wrong.Message); // the literal holds the name exactly
        }
        Assert.False(File.Exists(Pwned));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_name_is_escaped_in_the_nanoFramework_flavour_and_the_code_runs_as_the_interpreter(string hostile)
    {
        var plan = Bake(hostile, Precision.Int8, CodeTarget.NanoFramework);
        string source = ClassEmitter.Emit(plan);
        AssertNoUnescapedControlCharacters(source);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var model = NanoCompiler.CompileForNet(source, "Tests.Net");
        AssertRunsAsTheInterpreter(plan, (a, b, y) => NanoCompiler.Call(model, "Predict", a, b, y));
        var wrong = Assert.Throws<ArgumentException>(() => NanoCompiler.Call(model, "Predict", new float[3], new float[4], new float[2]));
        Assert.Contains($"'{hostile + "a"}'", wrong.Message);
        Assert.False(File.Exists(Pwned));
    }

    [Fact]
    public void Comments_and_literals_keep_names_visible_and_on_one_line()
    {
        Assert.Equal("a\\u2028b", CodeWriter.Comment("a\u2028b"));
        Assert.Equal("\"q\\\"b\\\\n\\u000A\\u0000\"", CodeWriter.StringLiteral("q\"b\\n\n\0"));
    }

    /// <summary>
    /// Tensor names that are names the generated code uses itself — Predict's loop index `i`, its arenas (`floats`,
    /// `int8s`, `bools`), two names that make one identifier — compile in both flavours and run as the interpreter.
    /// </summary>
    [Theory]
    [InlineData("i", "floats", "bools", "int8s")]
    [InlineData("bools", "int8s", "i", "floats")]
    [InlineData("a.b", "a_b", "AB", "ab")]
    [InlineData("int32s", "I", "int64s", "uint8s")]
    public void Names_the_generated_code_uses_itself_compile_and_run_as_the_interpreter(string a, string b, string sum, string y)
    {
        foreach (var precision in new[] { Precision.Float32, Precision.Int8 })
        {
            var plan = BakeNamed(a, b, sum, y, "gemm", precision, CodeTarget.Net);
            var model = NanoCompiler.CompileForNet(ClassEmitter.Emit(plan), "Tests.Net", ArrayHarness, Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp12);
            AssertRunsAsTheInterpreter(plan, (x1, x2, output) => Invoke(model.Assembly.GetType("Harness")!, "Predict", x1, x2, output));
        }
        var nanoPlan = BakeNamed(a, b, sum, y, "gemm", Precision.Int8, CodeTarget.NanoFramework);
        string nanoSource = ClassEmitter.Emit(nanoPlan);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource);
        var nano = NanoCompiler.CompileForNet(nanoSource, "Tests.Net");
        AssertRunsAsTheInterpreter(nanoPlan, (x1, x2, output) => NanoCompiler.Call(nano, "Predict", x1, x2, output));
    }

    /// <summary>Two inputs (so parameters are named after them), an Add and a Gemm, every name carrying <paramref name="hostile"/>.</summary>
    private static BakedPlan Bake(string hostile, Precision precision, CodeTarget target) =>
        BakeNamed(hostile + "a", hostile + "b", hostile + "sum", hostile + "y", hostile, precision, target, hostile + "graph", hostile + "w", hostile + "c");

    private static BakedPlan BakeNamed(string a, string b, string sum, string y, string gemm, Precision precision, CodeTarget target,
        string graphName = "graph", string w = "w", string c = "c")
    {
        var graph = new Graph { Name = graphName, Opset = 13 };
        graph.Add(new Value(a, ElementType.Float32, new[] { 1, 4 }));
        graph.Add(new Value(b, ElementType.Float32, new[] { 1, 4 }));
        graph.Inputs.AddRange(new[] { a, b });
        graph.Add(new Value(w, ElementType.Float32, new[] { 4, 2 }, Tensor.FromFloats(new[] { 4, 2 }, new[] { 0.5f, -1f, 0.25f, 2f, -0.75f, 1f, 1.5f, -0.5f })));
        graph.Add(new Value(c, ElementType.Float32, new[] { 2 }, Tensor.FromFloats(new[] { 2 }, new[] { 0.1f, -0.2f })));
        graph.Add(new Value(sum, ElementType.Float32));
        graph.Add(new Value(y, ElementType.Float32));
        graph.Nodes.Add(new Node(gemm + "add", "Add", new[] { a, b }, new[] { sum }, new Dictionary<string, Core.Ir.Attribute>()));
        graph.Nodes.Add(new Node(gemm, "Gemm", new[] { sum, w, c }, new[] { y }, new Dictionary<string, Core.Ir.Attribute>()));
        graph.Outputs.Add(y);

        using var folder = new TempFolder();
        // The file name reaches the generated header; some file systems refuse some characters, so it carries the
        // line separator only.
        string path = folder.Path("net\u2028x.onnx");
        OnnxModelWriter.Save(graph, path);
        return Baker.Bake(new BakeOptions(path, "Net", "Tests") { Precision = precision, Target = target }, new RecordingLog());
    }

    private static void AssertRunsAsTheInterpreter(BakedPlan plan, Action<float[], float[], float[]> predict)
    {
        var rng = new Random(1);
        for (int i = 0; i < 5; i++)
        {
            float[] a = Enumerable.Range(0, 4).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
            float[] b = Enumerable.Range(0, 4).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
            var expected = PlanInterpreter.Run(plan, new[] { a, b })[0];
            var actual = new float[2];
            predict(a, b, actual);
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>
    /// Model text may only appear escaped: no line or paragraph separator, no control or format character (NUL, bidi
    /// overrides), no lone surrogate anywhere in the file. (Letters of any script may appear: identifiers keep them.)
    /// </summary>
    private static void AssertNoUnescapedControlCharacters(string source)
    {
        foreach (char ch in source)
        {
            var category = char.GetUnicodeCategory(ch);
            bool dangerous = ch != '\n' && category is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
                or System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.PrivateUse
                or System.Globalization.UnicodeCategory.OtherNotAssigned;
            Assert.False(dangerous, $"Unescaped character U+{(int)ch:X4} in the generated source.");
        }
    }

    private static void Invoke(Type harness, string method, params object[] arguments)
    {
        try { harness.GetMethod(method)!.Invoke(null, arguments); }
        catch (TargetInvocationException e) when (e.InnerException != null) { throw e.InnerException; }
    }

    private const string ArrayHarness = """
        public static class Harness
        {
            public static void Predict(float[] a, float[] b, float[] y) => Tests.Net.Predict(a, b, y);
        }
        """;
}
