using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelBaker.Cli;

/// <summary>One option a command accepts: <c>--name VALUE</c> (or <c>--name=VALUE</c>), or a flag when <see cref="ValueName"/> is null.</summary>
public sealed record OptionSpec(string Name, string? ValueName, string Description, string? ShortName = null)
{
    public bool IsFlag => ValueName == null;

    /// <summary>"-o, --output DIR" as the usage text shows it.</summary>
    public string Syntax => (ShortName != null ? ShortName + ", " : "") + Name + (ValueName != null ? " " + ValueName : "");
}

/// <summary>A command's arguments after parsing: positional arguments in order, options by their long name.</summary>
public sealed class ParsedArguments
{
    private readonly Dictionary<string, string?> _options;

    public ParsedArguments(IReadOnlyList<string> positionals, Dictionary<string, string?> options)
    {
        Positionals = positionals;
        _options = options;
    }

    public IReadOnlyList<string> Positionals { get; }

    public bool Has(string name) => _options.ContainsKey(name);

    public string? Value(string name) => _options.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A command line the user got wrong: exit code 2, and the usage text unless only a value was bad.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message, string? code = null, bool showUsage = true) : base(message)
    {
        Code = code;
        ShowUsage = showUsage;
    }

    /// <summary>The MB12xx code when the same mistake in a CompressedModel item has one (e.g. MB1201 for sparsity).</summary>
    public string? Code { get; }
    public bool ShowUsage { get; }
}

/// <summary>
/// A deliberately small POSIX-style parser: <c>--name value</c>, <c>--name=value</c>, <c>-o value</c>, flags, and
/// <c>--</c> to end options. Unknown options, missing values and repeated options are <see cref="UsageException"/>s.
/// </summary>
public static class ArgumentParser
{
    public static ParsedArguments Parse(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, string?>(StringComparer.Ordinal);
        bool optionsEnded = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (optionsEnded || arg.Length < 2 || arg[0] != '-' || IsNumber(arg))
            {
                positionals.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }

            string name = arg;
            string? inlineValue = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2)
            {
                name = arg.Substring(0, equals);
                inlineValue = arg.Substring(equals + 1);
            }

            var spec = specs.FirstOrDefault(s => s.Name == name || s.ShortName == name)
                ?? throw new UsageException($"unknown option '{name}'.");
            if (options.ContainsKey(spec.Name))
                throw new UsageException($"option '{spec.Name}' is given more than once.");

            if (spec.IsFlag)
            {
                if (inlineValue != null) throw new UsageException($"option '{spec.Name}' takes no value.");
                options[spec.Name] = null;
            }
            else if (inlineValue != null)
            {
                options[spec.Name] = inlineValue;
            }
            else
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("-", StringComparison.Ordinal) && args[i + 1].Length > 1 && !IsNumber(args[i + 1])))
                    throw new UsageException($"option '{spec.Name}' needs a value ({spec.ValueName}).");
                options[spec.Name] = args[++i];
            }
        }
        return new ParsedArguments(positionals, options);
    }

    /// <summary>"-0.5" is a (bad) value, not an option.</summary>
    private static bool IsNumber(string arg) => arg.Length > 1 && arg[0] == '-' && (char.IsDigit(arg[1]) || arg[1] == '.');
}
