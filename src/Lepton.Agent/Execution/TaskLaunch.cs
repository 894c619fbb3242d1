namespace Lepton.Agent.Execution;

/// <summary>Everything needed to start one task (one replica of a job) on this machine.</summary>
/// <param name="JobId">The job's id, given to the task as <c>LEPTON_JOB_ID</c>.</param>
/// <param name="Replica">This task's replica index (0-based), <c>LEPTON_REPLICA</c>.</param>
/// <param name="Replicas">The job's replica count, <c>LEPTON_REPLICAS</c>.</param>
/// <param name="Attempt">Which run of this task this is (0 first); keeps working directories of retries apart.</param>
/// <param name="Command">The program and its arguments; not run through a shell unless the job says so.</param>
/// <param name="Environment">Extra environment variables from the job spec.</param>
/// <param name="GpuIndices">The GPUs assigned on this node, <c>CUDA_VISIBLE_DEVICES</c>.</param>
/// <param name="Peers">The addresses of every replica's node in replica order, <c>LEPTON_PEERS</c> (gangs).</param>
public sealed record TaskLaunch(
    string JobId,
    int Replica,
    int Replicas,
    int Attempt,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<int> GpuIndices,
    IReadOnlyList<string> Peers)
{
    /// <summary>A stable key for this run: job, replica and attempt.</summary>
    public string Key => $"{JobId}-r{Replica}-a{Attempt}";

    /// <summary>The <c>PATH</c> a task gets unless its job sets one.</summary>
    public const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>The whole environment of the task, in the order it is applied (later entries win): <c>PATH</c> and <c>HOME</c>
    /// defaults, then the job's variables, then Lepton's. Nothing is inherited from the agent.</summary>
    /// <param name="home">The task's working directory, its default <c>HOME</c>.</param>
    public IReadOnlyList<KeyValuePair<string, string>> TaskEnvironment(string home)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = DefaultPath, ["HOME"] = home };
        foreach (var (name, value) in Environment)
        {
            merged[name] = value;
        }

        foreach (var (name, value) in LeptonVariables())
        {
            merged[name] = value;
        }

        return [.. merged];
    }

    /// <summary>The environment Lepton adds on top of the job's.</summary>
    /// <remarks>Lepton's variables are applied last so that a job cannot fake its own identity or see GPUs it was not given.</remarks>
    public IReadOnlyDictionary<string, string> LeptonVariables() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CUDA_VISIBLE_DEVICES"] = string.Join(',', GpuIndices),
        ["LEPTON_JOB_ID"] = JobId,
        ["LEPTON_REPLICA"] = Replica.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LEPTON_REPLICAS"] = Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LEPTON_ATTEMPT"] = Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["LEPTON_PEERS"] = string.Join(',', Peers),
    };
}
