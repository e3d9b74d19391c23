using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelBaker.Cli.Commands;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Cli;

/// <summary>
/// The `modelbaker` entry point. Exit codes: 0 success, 1 a bake error (printed as "error MBxxxx: ..."),
/// 2 a command line error (with usage), 3 an internal error (a bug; --verbose shows the stack trace).
/// </summary>
public static class Program
{
    public const int Success = 0;
    public const int BakeError = 1;
    public const int UsageError = 2;
    public const int InternalError = 3;

    private static readonly OptionSpec Verbose = new("--verbose", null, "Show stack traces of internal errors.");
    private static readonly OptionSpec Help = new("--help", null, "Show this text (or one command's).", "-h");
    private static readonly OptionSpec VersionOption = new("--version", null, "Print the version.");

    public static IReadOnlyList<ICommand> Commands { get; } = new ICommand[] { new BakeCommand(), new GenerateCommand(), new InspectCommand(), new EvaluateCommand(), new ConformanceCommand() };

    public static string Version => Baker.Version;

    public static int Main(string[] args)
    {
        // Numbers in output (and in generated comments) must not depend on the machine's culture.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        return Run(args, Console.Out, Console.Error);
    }

    /// <summary>Runs one command line, writing to the given writers instead of the console (tests call this).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Commands);

    /// <summary>Runs one command line against the given commands (tests pass stand-ins for the real ones).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyList<ICommand> commands)
    {
        // --verbose may come before the command too; after it, the command's parser reads it.
        var rest = args.ToList();
        bool verbose = false;
        while (rest.Count > 0 && rest[0] == Verbose.Name) { verbose = true; rest.RemoveAt(0); }
        ICommand? command = null;
        try
        {
            if (rest.Count == 0 || rest[0] == "help" || rest[0] == Help.Name || rest[0] == Help.ShortName)
            {
                var topic = rest.Skip(1).FirstOrDefault();
                if (topic == null) { WriteUsage(stdout, commands, null); return Success; }
                command = commands.FirstOrDefault(c => c.Name == topic) ?? throw new UsageException($"unknown command '{topic}'.");
                WriteUsage(stdout, commands, command);
                return Success;
            }
            if (rest[0] == VersionOption.Name)
            {
                stdout.WriteLine($"modelbaker {Version}");
                return Success;
            }
            if (rest[0].StartsWith("-", StringComparison.Ordinal))
                throw new UsageException($"unknown option '{rest[0]}' (options follow the command, e.g. 'modelbaker bake model.onnx --sparsity 0.5').");
            command = commands.FirstOrDefault(c => c.Name == rest[0]) ?? throw new UsageException($"unknown command '{rest[0]}'.");

            var commandArgs = rest.Skip(1).ToList();
            if (commandArgs.Contains(Help.Name) || commandArgs.Contains(Help.ShortName!))
            {
                WriteUsage(stdout, commands, command);
                return Success;
            }
            var parsed = ArgumentParser.Parse(commandArgs, command.Options.Append(Verbose).ToList());
            verbose |= parsed.Has(Verbose.Name);
            return command.Execute(parsed, new CliContext(stdout, stderr, verbose));
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error{(e.Code != null ? " " + e.Code : "")}: {e.Message}");
            if (e.ShowUsage)
            {
                stderr.WriteLine();
                WriteUsage(stderr, commands, command);
            }
            else
            {
                stderr.WriteLine($"Run 'modelbaker help{(command != null ? " " + command.Name : "")}' for usage.");
            }
            return UsageError;
        }
        catch (BakeException e)
        {
            stderr.WriteLine($"error {e.Code}: {e.Message}");
            if (verbose) stderr.WriteLine(e.StackTrace);
            return BakeError;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error {ErrorCodes.InternalError}: internal error: {e.Message}");
            stderr.WriteLine(verbose
                ? e.ToString()
                : "This is a bug in ModelBaker. Run again with --verbose for the stack trace and report it with the model if you can.");
            return InternalError;
        }
    }

    /// <summary>The whole usage text, or one command's when <paramref name="only"/> is given.</summary>
    public static void WriteUsage(TextWriter writer, ICommand? only = null) => WriteUsage(writer, Commands, only);

    private static void WriteUsage(TextWriter writer, IReadOnlyList<ICommand> all, ICommand? only)
    {
        var commands = only != null ? new[] { only } : all;
        var usage = commands.Select(c => ($"modelbaker {c.Name} {c.ArgumentsSyntax} [options]", c.Summary)).ToList();
        if (only == null)
        {
            usage.Add(("modelbaker help [COMMAND]", "Show this text, or one command's options."));
            usage.Add(("modelbaker --version", "Print the version."));
        }
        var sections = new List<(string Title, List<(string Left, string Right)> Lines)> { ("Usage:", usage) };
        foreach (var c in commands)
            sections.Add(($"Options of {c.Name}:", c.Options.Select(o => (o.Syntax, o.Description)).ToList()));
        sections.Add(("Global options:", new[] { Verbose, Help }.Select(o => (o.Syntax, o.Description)).ToList()));

        // The option sections share one column width, so their descriptions line up down the text.
        int optionWidth = sections.Skip(1).SelectMany(s => s.Lines).Max(l => l.Left.Length);
        writer.WriteLine($"modelbaker {Version} - bakes ONNX neural networks into plain C#");
        for (int i = 0; i < sections.Count; i++)
        {
            var (title, lines) = sections[i];
            int width = i == 0 ? lines.Max(l => l.Left.Length) : optionWidth;
            writer.WriteLine();
            writer.WriteLine(title);
            foreach (var (left, right) in lines) writer.WriteLine($"  {left.PadRight(width)}  {right}");
        }
        writer.WriteLine();
        writer.WriteLine("Exit codes: 0 success, 1 bake error (error MBxxxx), 2 bad command line, 3 internal error.");
    }
}
