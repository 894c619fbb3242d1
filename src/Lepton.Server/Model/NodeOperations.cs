using System.Text.RegularExpressions;
using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Queueing;
using Lepton.Server.Apis;

namespace Lepton.Server.Model;

/// <summary>What agents and admins do to nodes: register, heartbeat, drain, list; and expiry of silent nodes.</summary>
internal sealed partial class NodeOperations(ControlPlane plane, TimeSpan heartbeatInterval, TimeSpan heartbeatTimeout)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NodeName();

    /// <summary>Registers a node, or updates it when it registers again (an agent restart).</summary>
    public Task<NodeRegistered> RegisterAsync(NodeRegistration registration)
    {
        Validate(registration);
        return plane.MutateAsync(tx =>
        {
            var now = plane.Time.GetUtcNow();
            if (!plane.Nodes.TryGetValue(registration.Name, out var node))
            {
                node = new Node { Name = registration.Name, Registration = registration, State = NodeState.Ready, RegisteredAt = now };
                plane.Nodes[node.Name] = node;
            }

            node.Registration = registration;
            node.RegisteredAt = now;
            node.LastHeartbeat = now;
            node.AwaitingHeartbeat = false;
            if (node.State == NodeState.Down)
            {
                node.State = NodeState.Ready;
            }

            tx.UpsertNode(node);
            return new NodeRegistered { Name = node.Name, HeartbeatIntervalSeconds = heartbeatInterval.TotalSeconds };
        });
    }

    /// <summary>Records live usage and tells the agent which task attempts to start and which to kill.</summary>
    public async Task<HeartbeatResponse> HeartbeatAsync(string name, Heartbeat heartbeat)
    {
        bool wasDown;
        lock (plane.Gate)
        {
            if (!plane.Nodes.TryGetValue(name, out var node))
            {
                return new HeartbeatResponse { Known = false };
            }

            node.LastHeartbeat = plane.Time.GetUtcNow();
            node.Usage = heartbeat.Usage;
            // A first heartbeat after a server restart makes the node schedulable again, like a node back from Down.
            wasDown = node.State == NodeState.Down || node.AwaitingHeartbeat;
            if (!wasDown)
            {
                return Assignments(node, heartbeat);
            }
        }

        // A node that comes back after being marked Down takes work again; that is a durable state change.
        await plane.MutateAsync(tx =>
        {
            var node = plane.Nodes[name];
            if (node.State == NodeState.Down || node.AwaitingHeartbeat)
            {
                node.AwaitingHeartbeat = false;
                if (node.State == NodeState.Down)
                {
                    node.State = NodeState.Ready;
                }

                // Written even when only the flag changed: the upsert is what tells the scheduler to rebuild its nodes.
                tx.UpsertNode(node);
            }

            return true;
        });
        lock (plane.Gate)
        {
            return Assignments(plane.Nodes[name], heartbeat);
        }
    }

    private HeartbeatResponse Assignments(Node node, Heartbeat heartbeat)
    {
        var running = new HashSet<(long, int)>();
        var kill = new List<TaskRef>();
        foreach (var r in heartbeat.Running)
        {
            running.Add((r.TaskId, r.Attempt));
            if (!plane.Tasks.TryGetValue(r.TaskId, out var task) || !task.IsBound || task.Node != node.Name || task.Attempt != r.Attempt)
            {
                kill.Add(r);
            }
        }

        var assignments = new List<TaskAssignment>();
        foreach (var id in plane.TasksOn(node.Name))
        {
            var task = plane.Tasks[id];
            if (task.Node != node.Name || !task.IsBound || running.Contains((task.Id, task.Attempt)))
            {
                continue;
            }

            var job = plane.Jobs[task.JobId];
            var peers = new string[job.Replicas];
            foreach (var peer in job.Tasks)
            {
                peers[peer.Replica] = peer.Node is { } n && plane.Nodes.TryGetValue(n, out var pn) ? pn.Registration.Address ?? pn.Name : "";
            }

            assignments.Add(new TaskAssignment
            {
                TaskId = task.Id,
                Attempt = task.Attempt,
                JobId = job.Id,
                Replica = task.Replica,
                Replicas = job.Replicas,
                Command = job.Command,
                Env = job.Env,
                Gpus = task.Gpus,
                Peers = peers,
            });
        }

        return new HeartbeatResponse { Assignments = assignments, Kill = kill };
    }

    /// <summary>Drains a node: no new work lands there; its preemptible jobs are requeued to move elsewhere, the rest finish.</summary>
    public Task<NodeView> DrainAsync(string name) => plane.MutateAsync(tx =>
    {
        if (!plane.Nodes.TryGetValue(name, out var node))
        {
            throw ApiException.NotFound($"node '{name}'");
        }

        var now = plane.Time.GetUtcNow();
        if (node.State == NodeState.Ready)
        {
            node.State = NodeState.Draining;
            tx.UpsertNode(node);
        }

        foreach (var job in JobsOn(name))
        {
            if (job.Preemptible)
            {
                JobOperations.Requeue(tx, job, new PendingReasonView
                {
                    Code = QueueReasonCodes.Preempted,
                    Message = $"moved off node '{name}', which is draining",
                }, now, "Drained");
            }
        }

        return View(node);
    });

    /// <summary>Marks nodes silent for longer than the heartbeat timeout Down and requeues (or fails) their jobs.</summary>
    public Task<int> ExpireSilentNodesAsync()
    {
        var now = plane.Time.GetUtcNow();
        lock (plane.Gate)
        {
            if (!plane.Nodes.Values.Any(n => n.State != NodeState.Down && now - n.LastHeartbeat > heartbeatTimeout))
            {
                return Task.FromResult(0);
            }
        }

        return plane.MutateAsync(tx =>
        {
            var expired = 0;
            foreach (var node in plane.Nodes.Values)
            {
                if (node.State == NodeState.Down || now - node.LastHeartbeat <= heartbeatTimeout)
                {
                    continue;
                }

                node.State = NodeState.Down;
                tx.UpsertNode(node);
                expired++;
                foreach (var job in JobsOn(node.Name))
                {
                    JobOperations.Fail(tx, job, $"node '{node.Name}' stopped sending heartbeats", null, now);
                }
            }

            return expired;
        });
    }

    /// <summary>Every node with its allocation and live usage, by name.</summary>
    public List<NodeView> List()
    {
        lock (plane.Gate)
        {
            return [.. plane.Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).Select(View)];
        }
    }

    private List<Job> JobsOn(string node)
    {
        var jobs = new List<Job>();
        foreach (var id in plane.TasksOn(node))
        {
            var job = plane.Jobs[plane.Tasks[id].JobId];
            if (!job.IsTerminal && !jobs.Contains(job))
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    private NodeView View(Node node)
    {
        var perGpu = new int[node.Registration.Gpus.Count];
        long cpu = 0, memory = 0, gpu = 0, fpga = 0, network = 0;
        var tasks = 0;
        foreach (var id in plane.TasksOn(node.Name))
        {
            var task = plane.Tasks[id];

            var request = plane.Jobs[task.JobId].Requests[task.Replica];
            tasks++;
            cpu += request.CpuMilli;
            memory += request.MemoryMiB;
            gpu += request.TotalGpuMilli;
            fpga += request.Fpga;
            network += request.NetworkMbps;
            foreach (var index in task.Gpus)
            {
                var ordinal = IndexOfGpu(node.Registration, index);
                if (ordinal >= 0)
                {
                    perGpu[ordinal] += request.GpuMilliPerGpu;
                }
            }
        }

        var spec = node.ToSpec();
        return new NodeView
        {
            Name = node.Name,
            State = node.EffectiveState.ToString(),
            Capacity = JobOperations.ToAmounts(spec.Capacity),
            Allocated = new ResourceAmounts { CpuMilli = cpu, MemoryMiB = memory, GpuMilli = gpu, Fpga = fpga, NetworkMbps = network },
            Usage = node.Usage,
            GpuModel = node.GpuModel,
            Gpus = [.. node.Registration.Gpus.Select((g, i) => new NodeGpuView
            {
                Index = g.Index,
                Model = g.Model,
                MemoryMiB = g.MemoryMiB,
                AllocatedMilli = perGpu[i],
                UtilizationPercent = node.Usage?.Gpus.FirstOrDefault(u => u.Index == g.Index)?.UtilizationPercent,
                MemoryUsedMiB = node.Usage?.Gpus.FirstOrDefault(u => u.Index == g.Index)?.MemoryUsedMiB,
            })],
            Labels = node.Registration.Labels,
            PricePerHour = node.Registration.PricePerHour,
            IdleWatts = node.Registration.IdleWatts,
            PeakWatts = node.Registration.PeakWatts,
            Address = node.Registration.Address,
            LastHeartbeat = node.LastHeartbeat,
            Tasks = tasks,
        };
    }

    /// <summary>Position of GPU device <paramref name="index"/> in the registration (the placement core's GPU number).</summary>
    public static int IndexOfGpu(NodeRegistration registration, int index)
    {
        for (var i = 0; i < registration.Gpus.Count; i++)
        {
            if (registration.Gpus[i].Index == index)
            {
                return i;
            }
        }

        return -1;
    }

    private static void Validate(NodeRegistration r)
    {
        if (r.Name is null || !NodeName().IsMatch(r.Name))
        {
            throw ApiException.BadField("name", "must be 1..63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        Range("cpuMilli", r.CpuMilli, 0, JobSubmissionValidator.MaxCpuMilli);
        Range("memoryMiB", r.MemoryMiB, 0, JobSubmissionValidator.MaxMemoryMiB);
        Range("fpga", r.Fpga, 0, JobSubmissionValidator.MaxFpga);
        Range("networkMbps", r.NetworkMbps, 0, JobSubmissionValidator.MaxNetworkMbps);
        if (r.Gpus is null || r.Gpus.Count > 64)
        {
            throw ApiException.BadField("gpus", "must be a list of at most 64 GPUs");
        }

        if (r.Gpus.Select(g => g.Index).Distinct().Count() != r.Gpus.Count || r.Gpus.Any(g => g.Index < 0))
        {
            throw ApiException.BadField("gpus", "indices must be distinct and non-negative");
        }

        if (r.Gpus.Any(g => string.IsNullOrWhiteSpace(g.Model)) || r.Gpus.Select(g => g.Model).Distinct().Count() > 1)
        {
            throw ApiException.BadField("gpus", "every GPU needs a model and all GPUs of a node must be one model (register two nodes otherwise)");
        }

        if (r.PricePerHour < 0 || r.IdleWatts < 0 || r.PeakWatts < 0 || double.IsNaN(r.PricePerHour))
        {
            throw ApiException.BadField("pricePerHour", "price and power must be non-negative");
        }
    }

    private static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw ApiException.BadField(field, $"must be between {min} and {max} (got {value})");
        }
    }
}
