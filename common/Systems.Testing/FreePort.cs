using System.Net;
using System.Net.Sockets;

namespace Systems.Testing;

/// <summary>Loopback ports for tests that need to name a port before a process binds it.</summary>
public static class FreePort
{
    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago, chosen by the kernel. Prefer binding port 0 directly
    /// where the code under test allows it; this is for configuration files handed to child processes.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// <paramref name="count"/> distinct free ports, all held open until every one is chosen so that none repeats.
    /// </summary>
    public static int[] Next(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }
}
