using System.Diagnostics.Metrics;

namespace Derecho;

/// <summary>
/// The member's metrics under the meter <c>Derecho</c>: deliveries (a counter, so tools show it per second),
/// delivered bytes, installed views, and the send window's occupancy (sends waiting for delivery).
/// </summary>
internal sealed class GroupMetrics : IDisposable
{
    /// <summary>The meter's name, for listeners such as <c>dotnet-counters monitor --counters Derecho</c>.</summary>
    public const string MeterName = "Derecho";

    private readonly Meter _meter = new(MeterName);
    private readonly KeyValuePair<string, object?> _node;

    public GroupMetrics(uint nodeId, Func<int> pendingSends)
    {
        _node = new KeyValuePair<string, object?>("derecho.node", nodeId);
        Delivered = _meter.CreateCounter<long>("derecho.delivered", "{message}", "Messages delivered");
        DeliveredBytes = _meter.CreateCounter<long>("derecho.delivered.bytes", "By", "Payload bytes delivered");
        ViewChanges = _meter.CreateCounter<long>("derecho.view_changes", "{view}", "Views installed");
        _meter.CreateObservableGauge("derecho.send_window.occupancy", () => new Measurement<int>(pendingSends(), _node),
            "{message}", "Sends of this member waiting for delivery");
    }

    public Counter<long> Delivered { get; }

    public Counter<long> DeliveredBytes { get; }

    public Counter<long> ViewChanges { get; }

    public KeyValuePair<string, object?> Node => _node;

    public void Dispose() => _meter.Dispose();
}
