using System.Text;

namespace Lepton.Cli.Output;

/// <summary>Makes text from outside (a file's first line, a value) safe to print in one error line: control characters
/// and undecodable bytes become <c>?</c> and long text is cut, so a binary file never sends raw bytes to the terminal.</summary>
internal static class PrintableText
{
    /// <summary>The longest error line printed; past it the text is cut with an ellipsis.</summary>
    public const int MaxLength = 400;

    /// <summary>The printable form of <paramref name="text"/>.</summary>
    public static string Of(string text)
    {
        var result = new StringBuilder(Math.Min(text.Length, MaxLength + 1));
        foreach (var c in text)
        {
            if (result.Length >= MaxLength)
            {
                result.Append('…');
                break;
            }

            // U+FFFD is what the decoder made of a byte that is not UTF-8: the mark of a binary file.
            result.Append(char.IsControl(c) || c == '\uFFFD' || char.IsSurrogate(c) ? '?' : c);
        }

        return result.ToString();
    }
}
