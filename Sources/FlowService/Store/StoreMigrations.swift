import GRDB

/// The store's schema, one migration per version. Never edit a released migration: add one.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dataset (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        format TEXT NOT NULL,
                        bytes INTEGER NOT NULL,
                        shape TEXT NOT NULL,
                        createdAt DOUBLE NOT NULL
                    );
                    CREATE TABLE job (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        name TEXT,
                        status TEXT NOT NULL,
                        device TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        totalSteps INTEGER NOT NULL,
                        step INTEGER NOT NULL DEFAULT 0,
                        loss DOUBLE,
                        validationNLL DOUBLE,
                        bitsPerDim DOUBLE,
                        testNLL DOUBLE,
                        createdAt DOUBLE NOT NULL,
                        startedAt DOUBLE,
                        finishedAt DOUBLE,
                        pid INTEGER,
                        pidStartTime INTEGER,
                        stopRequest TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        failure TEXT
                    );
                    CREATE INDEX job_status ON job(status, priority, seq);
                    CREATE TABLE jobDataset (
                        jobId TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                        datasetId TEXT NOT NULL,
                        PRIMARY KEY (jobId, datasetId)
                    );
                    CREATE INDEX jobDataset_dataset ON jobDataset(datasetId);
                    CREATE TABLE event (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        jobId TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                        type TEXT NOT NULL,
                        metricKey TEXT,
                        data TEXT NOT NULL,
                        time DOUBLE NOT NULL,
                        UNIQUE (jobId, metricKey)
                    );
                    CREATE INDEX event_job ON event(jobId, seq);
                    """)
        }
        // The step of a job's newest checkpoint (where a resume continues), from the trainer's
        // `checkpoint` lines; null for jobs stored before, until their next checkpoint.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE job ADD COLUMN checkpointStep INTEGER")
        }
        // Leases (PostgresMigrations has the same): the attempt of the newest claim, the fencing
        // token of its writes, and who holds the job until when. A single host claims through the
        // same path; jobs stored before have attempt 0 and no lease.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE job ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE job ADD COLUMN leaseOwner TEXT")
            try db.execute(sql: "ALTER TABLE job ADD COLUMN leaseExpiresAt DOUBLE")
        }
        return migrator
    }
}
