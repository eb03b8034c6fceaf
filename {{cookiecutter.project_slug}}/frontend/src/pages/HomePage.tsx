import { Link } from "react-router";

import { PROJECT_NAME } from "../api/core";
import { useAuth } from "../components/auth";

export function HomePage() {
  const { user } = useAuth();
  const name = user?.full_name ?? user?.email ?? "";
  return (
    <section className="card">
      <h1>{PROJECT_NAME}</h1>
      <p data-testid="home-greeting">Welcome, {name}.</p>
      <p>
        In a session you write a note over a live connection: start it, write it, save it. If the
        connection drops before you save, the server keeps the draft and offers it again next time.
        In the rooms, everyone in a room sees what its members write, as they write it.
      </p>
      <div className="actions">
        <Link to="/session" className="button" data-testid="session-link">
          Open a session
        </Link>
        <Link to="/rooms" className="button" data-testid="rooms-link">
          Open the rooms
        </Link>
      </div>
    </section>
  );
}
