using Lepton.Client.Contracts;
using Lepton.Core.Cluster;
using Lepton.Core.Queueing;
using Lepton.Server.Apis;

namespace Lepton.Server.Model;

/// <summary>What agents and admins do to nodes: register, heartbeat, drain, list; and expiry of silent nodes.</summary>
internal sealed class NodeOperations(ControlPlane plane, TimeSpan heartbeatInterval, TimeSpan heartbeatTimeout)
{
    /// <summary>Adds what other parts know about a node to its view (power now, power state); called under the model lock.</summary>
    public Func<Node, NodeView, NodeView>? ViewDecorator { get; set; }

    /// <summary>Registers a node, or updates it when it registers again (an agent restart).</summary>
    /// <remarks>
    /// A new node name is registered with a join (agent) token or by an admin, and the response carries the node's own
    /// credential. A name that already has a credential (even a revoked one) may be registered again only with that
    /// credential: 409 otherwise, until an admin removes the node. A node registered before per-node credentials existed
    /// (none was ever issued for it) is claimed by the first join-token registration.
    /// </remarks>
    /// <exception cref="ApiException">400 bad field; 403 a node credential registering another name; 409 the name belongs to another credential.</exception>
    public Task<NodeRegistered> RegisterAsync(Caller caller, NodeRegistration registration)
    {
        AgentInputValidator.Validate(registration);
        if (registration.Isolation is not (null or "namespaces" or "none"))
        {
            throw ApiException.BadField("isolation", "must be 'namespaces' or 'none' when given");
        }

        if (caller.Kind == TokenKind.Node && caller.Node != registration.Name)
        {
            throw new ApiException(403, "Forbidden", $"this credential belongs to node '{caller.Node}' and may not register '{registration.Name}'", "name");
        }

        return plane.MutateAsync(tx =>
        {
            var now = plane.Time.GetUtcNow();
            string? issued = null;
            if (caller.Kind != TokenKind.Node)
            {
                if (plane.Nodes.ContainsKey(registration.Name) && plane.IsNodeClaimed(registration.Name))
                {
                    throw new ApiException(409, "Conflict",
                        $"node '{registration.Name}' is already registered with its own credential; register it with that credential, or have an admin remove the node first (lepton node remove {registration.Name})",
                        "name");
                }

                // Credentials of an earlier node of this name (removed since) were revoked with it; a fresh one is issued.
                issued = plane.IssueToken(tx, TokenKind.Node, null, registration.Name, $"credential of node '{registration.Name}'").Secret;
            }

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
            // An agent that comes back smaller (a GPU fell off the bus, less memory) cannot keep what no longer fits.
            Scheduling.NodeFit.EvictMisfits(plane, tx, node, now);
            return new NodeRegistered { Name = node.Name, HeartbeatIntervalSeconds = heartbeatInterval.TotalSeconds, NodeToken = issued };
        });
    }

    /// <summary>Records live usage and tells the agent which task attempts to start and which to kill.</summary>
    public async Task<HeartbeatResponse> HeartbeatAsync(string name, Heartbeat heartbeat)
    {
        AgentInputValidator.Validate(heartbeat);
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
            // The node may have been removed meanwhile.
            if (plane.Nodes.TryGetValue(name, out var node) && (node.State == NodeState.Down || node.AwaitingHeartbeat))
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
            return plane.Nodes.TryGetValue(name, out var node) ? Assignments(node, heartbeat) : new HeartbeatResponse { Known = false };
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

    /// <summary>Undoes a drain: a Draining node takes work again. A Ready node stays Ready; a Down node must come back by itself (409).</summary>
    public Task<NodeView> UndrainAsync(string name) => plane.MutateAsync(tx =>
    {
        if (!plane.Nodes.TryGetValue(name, out var node))
        {
            throw ApiException.NotFound($"node '{name}'");
        }

        if (node.State == NodeState.Down)
        {
            throw new ApiException(409, "Conflict", $"node '{name}' is Down (its agent stopped heartbeating); it becomes Ready when its agent heartbeats again");
        }

        if (node.State == NodeState.Draining)
        {
            node.State = NodeState.Ready;
            tx.UpsertNode(node);
        }

        return View(node);
    });

    /// <summary>Removes a node and revokes its credentials, so its name can be registered afresh (with a join token).</summary>
    /// <remarks>
    /// Work still bound to the node decides: a node that is Ready or Draining with bound tasks is refused (409: its agent
    /// may still be running them, and removing the node would let them run twice); drain it and let the work finish or move,
    /// or stop its agent. A Down node's remaining jobs are requeued without costing a retry (the removal is the admin's
    /// doing, not the job's), then the node is removed.
    /// </remarks>
    public Task<bool> RemoveAsync(string name) => plane.MutateAsync(tx =>
    {
        if (!plane.Nodes.TryGetValue(name, out var node))
        {
            throw ApiException.NotFound($"node '{name}'");
        }

        var jobs = JobsOn(name);
        if (jobs.Count > 0 && node.State != NodeState.Down)
        {
            throw new ApiException(409, "Conflict",
                $"node '{name}' is {node.State} with {plane.TasksOn(name).Count} task(s) of {jobs.Count} job(s) bound to it; drain it (lepton node drain {name}) and wait for the work to finish or move, or stop its agent, then remove it");
        }

        var now = plane.Time.GetUtcNow();
        foreach (var job in jobs)
        {
            JobOperations.Requeue(tx, job, new PendingReasonView
            {
                Code = QueueReasonCodes.Retrying,
                Message = $"node '{name}' was removed by an admin; requeued without using a retry",
            }, now, "NodeRemoved");
        }

        foreach (var token in plane.TokensById.Values)
        {
            if (token.Kind == TokenKind.Node && token.Node == name)
            {
                plane.RevokeToken(tx, token);
            }
        }

        plane.Nodes.Remove(name);
        tx.DeleteNode(name);
        return true;
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

    private NodeView View(Node node) => ViewDecorator is { } decorate ? decorate(node, BaseView(node)) : BaseView(node);

    private NodeView BaseView(Node node)
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
            Isolation = node.Registration.Isolation,
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
}
