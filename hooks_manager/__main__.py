from __future__ import annotations

from hooks_manager.main import main

raise SystemExit(main())
