using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelBaker.Cli.Commands;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Cli;

/// <summary>
/// The `modelbaker` entry point: System.CommandLine parses the command line and writes help (and answers shell
/// completion through its [suggest] directive); the commands do the work. Exit codes: 0 success, 1 a bake error
/// (printed as "error MBxxxx: ..."), 2 a command line error (with the command's help), 3 an internal error (a bug;
/// --verbose shows the stack trace).
/// </summary>
public static class Program
{
    public const int Success = 0;
    public const int BakeError = 1;
    public const int UsageError = 2;
    public const int InternalError = 3;

    public static string Version => Baker.Version;

    /// <summary>The commands, new each time (System.CommandLine symbols belong to one parser).</summary>
    public static IReadOnlyList<ICommand> CreateCommands() =>
        new ICommand[] { new BakeCommand(), new GenerateCommand(), new InspectCommand(), new EvaluateCommand(), new SweepCommand(), new ConformanceCommand() };

    public static int Main(string[] args)
    {
        // Numbers in output (and in generated comments) must not depend on the machine's culture.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        return Run(args, Console.Out, Console.Error, CreateCommands(), interactive: !Console.IsOutputRedirected);
    }

    /// <summary>Runs one command line, writing to the given writers instead of the console (tests call this).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, CreateCommands());

    /// <summary>Runs one command line against the given commands (tests pass stand-ins for the real ones).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyList<ICommand> commands, bool interactive = false)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces of internal errors.", Recursive = true };
        var helpTopic = new Argument<string?>("COMMAND") { Description = "The command to show the help of.", Arity = ArgumentArity.ZeroOrOne };
        var help = new Command("help", "Show this text, or one command's.") { helpTopic };
        var root = new RootCommand(
            $"modelbaker {Version} - bakes ONNX neural networks into plain C#.\n" +
            "Exit codes: 0 success, 1 bake error (error MBxxxx), 2 bad command line, 3 internal error.") { verbose };
        foreach (var command in commands) root.Subcommands.Add(command.Definition);
        root.Subcommands.Add(help);

        var parsed = root.Parse(args);
        Command? current = parsed.CommandResult.Command;
        bool isVerbose = parsed.Errors.Count == 0 ? parsed.GetValue(verbose) : args.Contains(verbose.Name);
        try
        {
            if (parsed.Errors.Count > 0)
            {
                if (args.Length == 0) return WriteHelp(root, root, stdout);
                // "Required command was not provided" only repeats what an unknown command's error says.
                var messages = parsed.Errors.Select(e => e.Message).ToList();
                if (messages.Count > 1) messages.RemoveAll(m => m.StartsWith("Required command", StringComparison.Ordinal));
                throw new UsageException(string.Join("\n", messages));
            }
            if (parsed.GetResult(root.Options.OfType<VersionOption>().Single()) != null)
            {
                stdout.WriteLine($"modelbaker {Version}");
                return Success;
            }
            if (parsed.Action is HelpAction) return WriteHelp(root, current, stdout);
            if (current == help)
            {
                string? topic = parsed.GetValue(helpTopic);
                if (topic == null) return WriteHelp(root, root, stdout);
                current = root.Subcommands.FirstOrDefault(c => c.Name == topic) ?? throw new UsageException($"unknown command '{topic}'.");
                return WriteHelp(root, current, stdout);
            }
            var chosen = commands.Single(c => c.Definition == current);
            return chosen.Execute(parsed, new CliContext(stdout, stderr, isVerbose, interactive));
        }
        catch (UsageException e)
        {
            foreach (string line in e.Message.Split('\n'))
                stderr.WriteLine($"error{(e.Code != null ? " " + e.Code : "")}: {line}");
            if (e.ShowUsage)
            {
                stderr.WriteLine();
                WriteHelp(root, current ?? root, stderr);
            }
            else
            {
                stderr.WriteLine($"Run 'modelbaker help{(current != null && current != root ? " " + current.Name : "")}' for usage.");
            }
            return UsageError;
        }
        catch (BakeException e)
        {
            stderr.WriteLine($"error {e.Code}: {e.Message}");
            if (isVerbose) stderr.WriteLine(e.StackTrace);
            return BakeError;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error {ErrorCodes.InternalError}: internal error: {e.Message}");
            stderr.WriteLine(isVerbose
                ? e.ToString()
                : "This is a bug in ModelBaker. Run again with --verbose for the stack trace and report it with the model if you can.");
            return InternalError;
        }
    }

    /// <summary>System.CommandLine's help of <paramref name="command"/> (the root's lists the commands).</summary>
    private static int WriteHelp(RootCommand root, Command command, TextWriter writer)
    {
        var path = command == root ? new[] { "--help" } : new[] { command.Name, "--help" };
        root.Parse(path).Invoke(new InvocationConfiguration { Output = writer });
        return Success;
    }
}
