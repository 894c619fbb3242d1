using System.Text.RegularExpressions;

namespace Lepton.Cli.Commands;

/// <summary>Rewrites System.CommandLine's parse errors in the house style: the option, the value, and what is expected in
/// words (<c>--seed: 'abc' is not a whole number</c>), never a .NET type name.</summary>
internal static partial class ParseErrorText
{
    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.?$")]
    private static partial Regex CannotParse();

    /// <summary>The user-facing text for one parse error message.</summary>
    public static string Rewrite(string message)
    {
        var match = CannotParse().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var type = match.Groups["type"].Value;
        var expected = Describe(type);
        return $"{match.Groups["name"].Value}: '{match.Groups["value"].Value}' is not {expected}";
    }

    private static string Describe(string type)
    {
        // Nullable options print as System.Nullable`1[[System.Int32, ...]]: look at the inner type.
        var inner = type.Contains("Int", StringComparison.Ordinal) ? "int"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) ? "number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "bool"
            : "";
        return inner switch
        {
            "int" when type.Contains("UInt", StringComparison.Ordinal) => "a whole number of 0 or more",
            "int" => "a whole number (e.g. 42)",
            "number" => "a number (e.g. 1.5)",
            "bool" => "true or false",
            _ => "a valid value",
        };
    }
}
