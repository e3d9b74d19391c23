using ModelBaker.Cli;

namespace ModelBaker.Tests.Cli;

public class TablesTests
{
    [Fact]
    public void Tables_are_plain_ascii_right_align_numbers_show_brackets_as_text_and_never_wrap()
    {
        var table = Tables.Create("name", ">bytes").Row("fc1 [1,64]", "1,024").Row(new string('x', 300), "0").Footer("total", "1,024");
        var writer = new StringWriter();
        Tables.Write(writer, table);
        var lines = writer.ToString().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

        Assert.All(lines, l => Assert.Equal(lines[0].Length, l.Length));
        Assert.All(writer.ToString(), c => Assert.True(c == '\n' || c == '\r' || (c >= ' ' && c <= '~'), $"U+{(int)c:X4}"));
        Assert.Contains(lines, l => l.StartsWith("| fc1 [1,64] ", StringComparison.Ordinal) && l.EndsWith("| 1,024 |", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("|     0 |", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("| total ", StringComparison.Ordinal));
        Assert.Equal(8, lines.Count); // top rule, header, rule, two rows, rule, footer, bottom rule: nothing wrapped
    }
}
