using ModelBaker.Cli;

namespace ModelBaker.Tests.Cli;

public class ArgumentParserTests
{
    private static readonly OptionSpec[] Specs =
    {
        new("--sparsity", "S", ""), new("--output", "DIR", "", "-o"), new("--fast", null, ""),
    };

    [Fact]
    public void Parses_separate_and_inline_values_short_names_and_flags()
    {
        var args = ArgumentParser.Parse(new[] { "a.onnx", "--sparsity=0.5", "-o", "out", "--fast" }, Specs);

        Assert.Equal(new[] { "a.onnx" }, args.Positionals);
        Assert.Equal("0.5", args.Value("--sparsity"));
        Assert.Equal("out", args.Value("--output"));
        Assert.True(args.Has("--fast"));
        Assert.Null(args.Value("--fast"));
    }

    [Fact]
    public void Negative_numbers_are_values_and_double_dash_ends_options()
    {
        var args = ArgumentParser.Parse(new[] { "--sparsity", "-0.5", "--", "--fast" }, Specs);

        Assert.Equal("-0.5", args.Value("--sparsity"));
        Assert.False(args.Has("--fast"));
        Assert.Equal(new[] { "--fast" }, args.Positionals);
    }

    [Fact]
    public void Unknown_options_are_usage_errors()
    {
        var e = Assert.Throws<UsageException>(() => ArgumentParser.Parse(new[] { "--nope" }, Specs));
        Assert.True(e.ShowUsage);
        Assert.Null(e.Code);
    }
}

public class TextTableTests
{
    [Fact]
    public void Pads_columns_right_aligns_numbers_and_draws_rules()
    {
        string text = new TextTable("name", ">bytes").Row("fc1", "1,024").Row("relu", "0").Footer("total", "1,024").ToString();

        Assert.Equal(
            "name   bytes\n" +
            "-----  -----\n" +
            "fc1    1,024\n" +
            "relu       0\n" +
            "-----  -----\n" +
            "total  1,024\n", text);
    }
}
