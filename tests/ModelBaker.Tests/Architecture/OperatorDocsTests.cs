using ModelBaker.Core.Operators;
using ModelBaker.Core.Reporting;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Architecture;

/// <summary>
/// docs/operators.md's operator reference is generated from the registry (<see cref="OperatorReference"/>): these tests
/// fail when the file is stale, and write it when MODELBAKER_UPDATE_DOCS=1.
/// </summary>
public sealed class OperatorDocsTests
{
    private static string DocsPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ModelBaker.sln"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "docs", "operators.md");
    }

    [Fact]
    public void Docs_operators_md_holds_the_reference_generated_from_the_registry()
    {
        string path = DocsPath();
        string document = File.ReadAllText(path).Replace("\r\n", "\n");
        string expected = OperatorReference.Replace(document, OperatorReference.Render(OperatorRegistry.All));
        if (expected == document) return;
        if (Environment.GetEnvironmentVariable(OperatorReference.UpdateVariable) == "1")
        {
            File.WriteAllText(path, expected);
            return;
        }
        Assert.Fail($"{path} is stale: its generated operator reference differs from the operators' Support declarations. " +
            $"Run `{OperatorReference.UpdateVariable}=1 dotnet test tests/ModelBaker.Tests --filter OperatorDocsTests` to write it, then review the change:\n" +
            Snapshot.Diff(document, expected));
    }

    [Fact]
    public void The_reference_has_one_row_per_registered_operator()
    {
        var rows = OperatorReference.Render(OperatorRegistry.All).Split('\n')
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| operator |", StringComparison.Ordinal))
            .Select(l => l.Split(" | ")).Select(c => c[1] == "ai.onnx" ? c[0][2..] : c[1] + ":" + c[0][2..]).ToList();
        Assert.Equal(OperatorRegistry.SupportedOpTypes.OrderBy(t => t, StringComparer.Ordinal), rows.OrderBy(t => t, StringComparer.Ordinal));
        Assert.Contains("| Gemm | ai.onnx | 1–27 |", OperatorReference.Render(OperatorRegistry.All), StringComparison.Ordinal);
        Assert.Contains("| TreeEnsemble | ai.onnx.ml | 5+ |", OperatorReference.Render(OperatorRegistry.All), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_operator_declares_its_support()
    {
        var known = new[] { "ai.onnx", "ai.onnx.ml", "com.microsoft" };
        foreach (var op in OperatorRegistry.All)
        {
            var s = op.Support;
            Assert.True(s != null, $"{op.OpType} declares no support.");
            Assert.True(known.Contains(OperatorSupport.DomainOf(op.OpType)), $"{op.OpType}: unknown domain.");
            Assert.True(Enum.IsDefined(s!.Family) && Enum.IsDefined(s.Int8), $"{op.OpType}: undefined family or int8 form.");
            Assert.True(s.Since >= 1 && (s.Until == null || s.Until >= s.Since), $"{op.OpType}: opsets {s.Since} to {s.Until}.");
            Assert.True(s.Float.Length > 10, $"{op.OpType}: says nothing of its float plan.");
            Assert.True(s.Int8 != Int8Form.Refused || !s.Nano, $"{op.OpType}: refused in int8, so not run by the int8-only nanoFramework flavour.");
            Assert.True(s.Int8 != Int8Form.FloatIsland || !s.Nano, $"{op.OpType}: a float island, which the nanoFramework flavour refuses (MB1135).");
            Assert.All(s.Refuses, r => Assert.True(r.Trim().Length > 3, $"{op.OpType}: an empty refusal."));
        }
    }

    [Fact]
    public void Replacing_needs_one_generated_block()
    {
        string block = OperatorReference.Begin + "\nnew\n" + OperatorReference.End + "\n";
        Assert.Equal("intro\n" + block + "outro\n", OperatorReference.Replace("intro\n" + OperatorReference.Begin + "\nold\n" + OperatorReference.End + "\noutro\n", block));
        Assert.Throws<InvalidOperationException>(() => OperatorReference.Replace("no block here\n", block));
    }
}
