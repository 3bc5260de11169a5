from guardtrail.cli import main

raise SystemExit(main())
