using System.Buffers.Text;

namespace Lepton.Agent.Hardware;

/// <summary>The fields of one <c>/proc/PID/stat</c> line that the task CPU meter needs.</summary>
/// <param name="Pid">The process id (field 1).</param>
/// <param name="ParentPid">The parent's pid (field 4).</param>
/// <param name="CpuTicks">User plus system CPU time in clock ticks (fields 14 and 15), without reaped children's.</param>
/// <param name="StartTicks">When the process started, in ticks after boot (field 22); tells a reused pid apart.</param>
public readonly record struct ProcStat(int Pid, int ParentPid, ulong CpuTicks, ulong StartTicks)
{
    /// <summary>Parses one <c>/proc/PID/stat</c> line (ASCII); false when it is not one.</summary>
    /// <remarks>The command name (field 2) sits in parentheses and may itself hold spaces and parentheses, so the
    /// numbered fields are counted from the last <c>)</c>.</remarks>
    public static bool TryParse(ReadOnlySpan<byte> line, out ProcStat stat)
    {
        stat = default;
        var open = line.IndexOf((byte)'(');
        var close = line.LastIndexOf((byte)')');
        if (open <= 0 || close < open || !TryParseWhole(line[..open].Trim((byte)' '), out int pid))
        {
            return false;
        }

        int parent = 0;
        ulong user = 0, system = 0, start = 0;
        var rest = line[(close + 1)..];
        var field = 2;
        while (!rest.IsEmpty && field < 22)
        {
            rest = rest.TrimStart((byte)' ');
            var end = rest.IndexOf((byte)' ');
            var token = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[end..];
            if (token.IsEmpty)
            {
                break;
            }

            field++;
            var ok = field switch
            {
                4 => TryParseWhole(token, out parent),
                14 => TryParseWhole(token, out user),
                15 => TryParseWhole(token, out system),
                22 => TryParseWhole(token, out start),
                _ => true,
            };
            if (!ok)
            {
                return false;
            }
        }

        if (field < 22)
        {
            return false;
        }

        stat = new ProcStat(pid, parent, user + system, start);
        return true;
    }

    // Utf8Parser stops at the first non-digit; a field is a number only when it is digits throughout.
    private static bool TryParseWhole(ReadOnlySpan<byte> token, out int value) =>
        Utf8Parser.TryParse(token, out value, out var used) && used == token.Length;

    private static bool TryParseWhole(ReadOnlySpan<byte> token, out ulong value) =>
        Utf8Parser.TryParse(token, out value, out var used) && used == token.Length;
}
